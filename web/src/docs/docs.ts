// /docs: Swagger UI from our own bundle (swagger-ui-dist, an npm devDependency), never from a CDN:
// it loads under the strict page policy and works offline.
import SwaggerUI from "swagger-ui-dist/swagger-ui-es-bundle.js";
import "swagger-ui-dist/swagger-ui.css";

const root = document.getElementById("swagger-ui");
SwaggerUI({ url: root?.dataset.url ?? "/openapi.json", domNode: root, deepLinking: true, tryItOutEnabled: false });
