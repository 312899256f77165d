export { createLegacySchema, createDestinationSchema } from "./createSchemas.js";
