/**
 * The import rules `npm test` enforces (ARCHITECTURE.md, STYLE.md): no import circles in src/, and a
 * domain that knows neither storage nor features. Type-only imports count too: a circle of types is
 * still a circle a reader has to untangle.
 */
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "Import circles make load order and ownership unclear.", from: { path: "^src" }, to: { circular: true } },
    {
      name: "pure-domain",
      severity: "error",
      comment: "src/domain is pure logic and the helpdesk's vocabulary: no storage, features, runtime or I/O modules.",
      from: { path: "^src/domain" },
      to: { path: "^src/(?!domain/)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "node_modules" },
  },
};
