import type { Result } from "@certs/result";
import { writeFileAtomic, writeTextFileAtomic } from "./atomic-file.js";
import { formatJsonObject } from "./json-object-entries.js";
import type { CertificateMapping, TechnicianMapping } from "./mapping-files.js";

function numberOrNull(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

/** The JSON value written for a technician mapping, in the shape its origin uses. */
function technicianValue(mapping: TechnicianMapping): Record<string, number> {
  return {
    old_technician_id: mapping.oldTechnicianId,
    ...(mapping.dealerId === undefined ? {} : { dealer_id: Number(mapping.dealerId) }),
    ...(mapping.userId === undefined ? {} : { user_id: Number(mapping.userId) }),
  };
}

/** Rewrites `technicians_mapping.json` atomically with `mappings` in the given order. */
export function writeTechnicianMappings(
  file: string,
  mappings: readonly TechnicianMapping[],
): Promise<Result<void>> {
  return writeTextFileAtomic(
    file,
    formatJsonObject(
      mappings.map((mapping) => ({ key: mapping.technicianId, value: technicianValue(mapping) })),
    ),
  );
}

/**
 * Writes `certificates_mappings.json` atomically from a stream of ledger entries (written in pieces, so a
 * million entries need no more memory than one), each with its `new_certificate_id`.
 */
export function writeCertificateMappings(
  file: string,
  mappings: AsyncIterable<CertificateMapping>,
): Promise<Result<void>> {
  return writeFileAtomic(file, async (handle) => {
    let first = true;
    let buffer = "{";
    for await (const mapping of mappings) {
      const value = {
        old_certificate_id: mapping.legacyCertificateId,
        new_certificate_id: mapping.newCertificateId,
        device_id: numberOrNull(mapping.deviceId),
        customer_id: numberOrNull(mapping.customerId),
        technician_id: numberOrNull(mapping.technicianId),
        vehicle_id: numberOrNull(mapping.vehicleId),
        dealer_id: numberOrNull(mapping.dealerId),
      };
      const body = formatJsonObject([{ key: String(mapping.legacyCertificateId), value }]).slice(2, -3);
      buffer += `${first ? "" : ","}\n${body}`;
      first = false;
      if (buffer.length > 64 * 1024) {
        await handle.write(buffer);
        buffer = "";
      }
    }
    buffer += first ? "}\n" : "\n}\n";
    await handle.write(buffer);
  });
}
