/** The wallet part of the API contract. */
export const walletCommands = {};

export const walletEvents = [] as const;
