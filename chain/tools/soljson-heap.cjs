// solcjs (solc/soljson.js) with the compiler input passed on the wasm heap.
//
// Hardhat's solcjs wrapper (and solc-js) call `cwrap("solidity_compile", "string", ["string", ...])`,
// which copies the whole standard-JSON input onto the small emscripten stack: once a compilation
// job holds more than a few megabytes of sources (every test plus OpenZeppelin and forge-std),
// solc dies with "RuntimeError: memory access out of bounds". This module is soljson itself,
// except that `solidity_compile` gets its input through malloc. Used by hardhat.config.ts
// (`solidity...path`) and by tools/solc (forge's compiler).
const soljson = require("solc/soljson.js");

const cwrap = soljson.cwrap.bind(soljson);

function compileOnHeap(input, readCallback, context) {
  const size = soljson.lengthBytesUTF8(input) + 1;
  const pointer = soljson._malloc(size);
  soljson.stringToUTF8(input, pointer, size);
  try {
    return soljson.UTF8ToString(
      soljson._solidity_compile(pointer, readCallback ?? 0, context ?? 0),
    );
  } finally {
    soljson._free(pointer);
  }
}

module.exports = Object.assign(Object.create(soljson), {
  cwrap(name, returnType, argTypes) {
    return name === "solidity_compile" ? compileOnHeap : cwrap(name, returnType, argTypes);
  },
});
