export * from "./errors";
export * from "./teeSettlement";
export * from "./requestsHash";
export * from "./sessionToken";
