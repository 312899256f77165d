import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { loadMappingFiles, mappingFilePaths, type MappingFilePaths } from "./mapping-files.js";
import { writeCertificateMappings, writeTechnicianMappings } from "./mapping-file-writers.js";

let dir: string;
let paths: MappingFilePaths;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "mappings-"));
  paths = mappingFilePaths(dir);
});

async function load() {
  const result = await loadMappingFiles(paths);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function loadError() {
  const result = await loadMappingFiles(paths);
  if (result.ok) throw new Error("expected the files to be rejected");
  return result.error;
}

describe("loadMappingFiles", () => {
  it("reads the schema page's examples in file order", async () => {
    await writeFile(paths.customers, '{"1024": 1024, "1025": 1025}');
    await writeFile(
      paths.users,
      '{"20": {"old_user_id": null, "dealer_id": 18}, "12": {"old_user_id": 345, "dealer_id": 17}, "13": {"old_user_id": 346, "dealer_id": 17}}',
    );
    await writeFile(
      paths.technicians,
      '{"57": {"old_technician_id": 57, "dealer_id": 12}, "9001": {"old_technician_id": 0, "user_id": 13}}',
    );
    await writeFile(
      paths.certificates,
      '{"5001": {"old_certificate_id": 5001, "device_id": 77, "customer_id": 1024, "technician_id": 57, "vehicle_id": 310, "dealer_id": 12}, "5002": {"old_certificate_id": 5002, "dealer_id": 78}}',
    );
    const files = await load();
    expect([...files.customers]).toEqual([
      ["1024", "1024"],
      ["1025", "1025"],
    ]);
    // "20" stays first although JSON.parse would list it after "13".
    expect(files.users.map((u) => u.userId)).toEqual(["20", "12", "13"]);
    expect(files.users[0]).toEqual({ userId: "20", oldUserId: null, dealerId: 18 });
    expect(files.technicians).toEqual([
      { technicianId: "57", oldTechnicianId: 57, dealerId: "12" },
      { technicianId: "9001", oldTechnicianId: 0, userId: "13" },
    ]);
    expect(files.certificates).toEqual([
      {
        legacyCertificateId: 5001,
        newCertificateId: null,
        deviceId: "77",
        customerId: "1024",
        technicianId: "57",
        vehicleId: "310",
        dealerId: "12",
      },
      // The automated shape's dealer_id is really the device id.
      {
        legacyCertificateId: 5002,
        newCertificateId: null,
        deviceId: "78",
        customerId: null,
        technicianId: null,
        vehicleId: null,
        dealerId: null,
      },
    ]);
    expect(files.missing).toEqual([]);
  });

  it("missing files read as empty and are listed", async () => {
    await writeFile(paths.customers, "{}");
    const files = await load();
    expect(files.customers.size).toBe(0);
    expect(files.missing).toEqual([paths.users, paths.technicians, paths.certificates]);
  });

  it("a key listed twice is a CONFIGURATION_ERROR naming the file and the key", async () => {
    await writeFile(paths.customers, '{"7": 1, "3": 3, "7": 2}');
    const error = await loadError();
    expect(error.code).toBe("CONFIGURATION_ERROR");
    expect(error.message).toBe(
      `The mapping file ${paths.customers} is malformed: the key "7" is listed twice.`,
    );
  });

  it("keys that differ only in their escapes are the same key", async () => {
    await writeFile(paths.customers, '{"7": 1, "\\u0037": 2}');
    expect((await loadError()).message).toContain('the key "7" is listed twice');
  });

  it("a file that is not JSON is a CONFIGURATION_ERROR naming the file", async () => {
    await writeFile(paths.users, '{"12": {"old_user_id": 345, "dealer_id": 17},');
    const error = await loadError();
    expect(error.code).toBe("CONFIGURATION_ERROR");
    expect(error.message).toContain(paths.users);
    expect(error.message).toContain("not valid JSON");
  });

  it("a JSON array is rejected", async () => {
    await writeFile(paths.customers, "[1, 2]");
    const error = await loadError();
    expect(error.code).toBe("CONFIGURATION_ERROR");
    expect(error.message).toContain("not a JSON object");
  });

  it("a malformed entry is a CONFIGURATION_ERROR naming the file, the entry and the field", async () => {
    await writeFile(
      paths.users,
      '{"12": {"old_user_id": 345, "dealer_id": 17}, "13": {"old_user_id": "x", "dealer_id": 17}}',
    );
    const error = await loadError();
    expect(error.code).toBe("CONFIGURATION_ERROR");
    expect(error.message).toContain(paths.users);
    expect(error.message).toContain('entry "13"');
    expect(error.message).toContain('"old_user_id"');
    expect(error.details).toMatchObject({ path: paths.users, entry: "13" });
  });

  it("a non-numeric key or a negative customer id is rejected", async () => {
    await writeFile(paths.customers, '{"abc": 1}');
    expect((await loadError()).message).toContain('entry "abc"');
    await writeFile(paths.customers, '{"5": -1}');
    expect((await loadError()).message).toContain('entry "5"');
  });

  it("a certificate entry whose old_certificate_id differs from its key is rejected", async () => {
    await writeFile(paths.certificates, '{"5001": {"old_certificate_id": 5002, "dealer_id": 1}}');
    expect((await loadError()).message).toMatch(/"5001".*old_certificate_id/);
  });

  it("with certificates: false the certificates file is not read, and is not listed as missing", async () => {
    await writeFile(paths.customers, '{"1": 10}');
    await writeFile(paths.certificates, "not JSON at all");
    const result = await loadMappingFiles(paths, { certificates: false });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.certificates).toEqual([]);
    expect(result.value.customers.get("1")).toBe("10");
    expect(result.value.missing).toEqual([paths.users, paths.technicians]);
  });
});

describe("mapping file writers", () => {
  it("technician mappings are written in order with four-space indent and read back", async () => {
    await writeTechnicianMappings(paths.technicians, [
      { technicianId: "57", oldTechnicianId: 57, dealerId: "12" },
      { technicianId: "9", oldTechnicianId: 0, userId: "13" },
    ]);
    const text = await readFile(paths.technicians, "utf8");
    expect(text).toBe(
      '{\n    "57": {\n        "old_technician_id": 57,\n        "dealer_id": 12\n    },\n    "9": {\n        "old_technician_id": 0,\n        "user_id": 13\n    }\n}\n',
    );
    expect((await load()).technicians.map((t) => t.technicianId)).toEqual(["57", "9"]);
  });

  it("certificate mappings stream out with new_certificate_id and read back", async () => {
    async function* entries() {
      for (let i = 1; i <= 3000; i++) {
        yield {
          legacyCertificateId: i,
          newCertificateId: i + 100,
          deviceId: String(i),
          customerId: null,
          technicianId: null,
          vehicleId: null,
          dealerId: "4",
        };
      }
    }
    const written = await writeCertificateMappings(paths.certificates, entries());
    expect(written.ok).toBe(true);
    const parsed = JSON.parse(await readFile(paths.certificates, "utf8")) as Record<
      string,
      { new_certificate_id: number }
    >;
    expect(Object.keys(parsed)).toHaveLength(3000);
    expect(parsed["2999"]).toEqual({
      old_certificate_id: 2999,
      new_certificate_id: 3099,
      device_id: 2999,
      customer_id: null,
      technician_id: null,
      vehicle_id: null,
      dealer_id: 4,
    });
    const reread = await load();
    expect(reread.certificates[2]?.newCertificateId).toBe(103);
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("an empty ledger exports an empty object", async () => {
    await writeCertificateMappings(paths.certificates, (async function* () {})());
    expect(await readFile(paths.certificates, "utf8")).toBe("{}\n");
  });
});
