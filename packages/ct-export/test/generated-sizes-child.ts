// Prints the byte size of each generated ct_entry for a seed: the parent compares them with its own, made with
// other keys.
import { generateCertRows } from "@certs/ct-export/testing";

const rows = await generateCertRows({ seed: process.argv[2] ?? "sizes", count: 40 });
process.stdout.write(JSON.stringify(rows.map((row) => Buffer.byteLength(row.ct_entry, "utf8"))));
