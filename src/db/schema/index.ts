export * from "./audit";
export * from "./kb";
export * from "./mail";
export * from "./search";
export * from "./sla";
export * from "./teams";
export * from "./tickets";
export * from "./users";
