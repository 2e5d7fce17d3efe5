// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IRecordDownload {
    function recordDownload(uint256 modelId) external;
}

/// @title BenchDownloader
/// @notice Benchmark helper (pnpm bench:indexer): calls the registry's real recordDownload `count`
/// times in one transaction, so >= 100,000 ModelDownloaded events fit in a few hundred
/// transactions. The registry authorizes it like any account: it is made staff of an institution.
contract BenchDownloader {
    function download(IRecordDownload registry, uint256 modelId, uint256 count) external {
        for (uint256 i; i < count; ++i) {
            registry.recordDownload(modelId);
        }
    }
}
