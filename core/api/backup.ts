/** The backup part of the API contract. */
export const backupCommands = {};

export const backupEvents = [] as const;
