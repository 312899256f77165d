// Loads the mapping files of one directory and prints how many customers it read and the peak RSS.
import { loadMappingFiles, mappingFilePaths } from "../../src/mapping/mapping-files.js";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: load-mappings.ts DIR");
const loaded = await loadMappingFiles(mappingFilePaths(dir));
if (!loaded.ok) throw new Error(loaded.error.message);
console.log(
  JSON.stringify({
    customers: loaded.value.customers.size,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
