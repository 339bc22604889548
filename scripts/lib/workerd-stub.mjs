// Stand-ins for workerd's built-in modules, so the route contracts load in Node (scripts/lib/api-client.mjs).
export class DurableObject {}
export class EmailMessage {}
