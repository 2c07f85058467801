/** The devices part of the API contract. */
export const devicesCommands = {};

export const devicesEvents = [] as const;
