export * from "./audit";
export * from "./tickets";
export * from "./users";
