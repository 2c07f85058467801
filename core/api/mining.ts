/** The mining part of the API contract. */
export const miningCommands = {};

export const miningEvents = [] as const;
