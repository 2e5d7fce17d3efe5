// Role ids of ModelRegistry (AccessControl). test/flows/exports.test.ts checks them against the
// deployed contract.

/** AccessControl's admin role: held by the governance timelock. */
export const DEFAULT_ADMIN_ROLE =
  "0x0000000000000000000000000000000000000000000000000000000000000000" as const;
/** keccak256("PUBLISHER_ROLE"): may publish models. */
export const PUBLISHER_ROLE =
  "0x0ac90c257048ef1c3e387c26d4a99bde06894efbcbff862dc1885c3a9319308a" as const;
/** keccak256("AUDITOR_ROLE"): may query the audit history; downloads nothing. */
export const AUDITOR_ROLE =
  "0x59a1c48e5837ad7a7f3dcedcbe129bf3249ec4fbf651fd4f5e2600ead39fe2f5" as const;
/** keccak256("GUARDIAN_ROLE"): may pause the registry at once (only governance unpauses). */
export const GUARDIAN_ROLE =
  "0x55435dd261a4b9b3364963f7738a7a662ad9c84396d64be3365284bb7f0a5041" as const;

/** Timelock roles (TimelockController). */
export const TIMELOCK_PROPOSER_ROLE =
  "0xb09aa5aeb3702cfd50b6b62bc4532604938f21248a27a1d5ca736082b6819cc1" as const;
export const TIMELOCK_EXECUTOR_ROLE =
  "0xd8aa0f3194971a2a116679f7c2090f6939c8d4e01a2a8d7e41d55e5351469e63" as const;
export const TIMELOCK_CANCELLER_ROLE =
  "0xfd643c72710c63c0180259aba6b2d05451e3591a24e58b62239378085726f783" as const;

export const roles = {
  DEFAULT_ADMIN_ROLE,
  PUBLISHER_ROLE,
  AUDITOR_ROLE,
  GUARDIAN_ROLE,
  TIMELOCK_PROPOSER_ROLE,
  TIMELOCK_EXECUTOR_ROLE,
  TIMELOCK_CANCELLER_ROLE,
} as const;
