import { readFile } from "node:fs/promises";
import path from "node:path";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { z } from "zod";
import { IdMap } from "./id-map.js";
import { readJsonObject } from "./json-object-entries.js";

/** Where the four mapping files are. */
export interface MappingFilePaths {
  /** `customer_mappings.json`: legacy customer id → destination customer id. */
  readonly customers: string;
  /** `user_mappings.json`: destination user id → legacy user and dealer. */
  readonly users: string;
  /** `technicians_mapping.json`: destination technician id → legacy technician. */
  readonly technicians: string;
  /** `certificates_mappings.json`: legacy certificate id → what it became. */
  readonly certificates: string;
}

/** The original tool's file names, in `directory`. */
export function mappingFilePaths(directory: string): MappingFilePaths {
  return {
    customers: path.join(directory, "customer_mappings.json"),
    users: path.join(directory, "user_mappings.json"),
    technicians: path.join(directory, "technicians_mapping.json"),
    certificates: path.join(directory, "certificates_mappings.json"),
  };
}

/** A `user_mappings.json` entry: the destination user made from a legacy user (or from dealer data). */
export interface UserMapping {
  readonly userId: string;
  /** The legacy `users.id`, or null for an account created from dealer data. */
  readonly oldUserId: number | null;
  /** The legacy `dealer_master.id`. */
  readonly dealerId: number;
}

/** A `technicians_mapping.json` entry, in either shape the old tools wrote. */
export interface TechnicianMapping {
  readonly technicianId: string;
  /** The legacy `technician_master.id` (0 for a technician the certificate migration created). */
  readonly oldTechnicianId: number;
  /** The destination dealer user (technician migration's shape). */
  readonly dealerId?: string;
  /** The destination user it was created from (certificate migration's shape). */
  readonly userId?: string;
}

/** A `certificates_mappings.json` entry: a legacy certificate some run already migrated. */
export interface CertificateMapping {
  readonly legacyCertificateId: number;
  /** Known only for entries this library wrote (the old tool never stored it). */
  readonly newCertificateId: number | null;
  readonly deviceId: string | null;
  readonly customerId: string | null;
  readonly technicianId: string | null;
  readonly vehicleId: string | null;
  readonly dealerId: string | null;
}

/** Options of {@link loadMappingFiles}. */
export interface LoadMappingFilesOptions {
  /**
   * Read `certificates_mappings.json` (default true). False leaves `certificates` empty without opening the
   * file: a reader that takes migrated certificates from the ledger need not hold one entry per certificate.
   */
  readonly certificates?: boolean;
}

/** The mapping files, read once and validated. */
export interface MappingFiles {
  readonly paths: MappingFilePaths;
  /** Legacy customer id (as text) → destination customer id. */
  readonly customers: ReadonlyMap<string, string>;
  /** In file order (the dealer rule takes the first match, the user rule the last). */
  readonly users: readonly UserMapping[];
  /** In file order. */
  readonly technicians: readonly TechnicianMapping[];
  /** In file order. */
  readonly certificates: readonly CertificateMapping[];
  /** The files that did not exist (each read as empty, as the original tool did). */
  readonly missing: readonly string[];
}

const id = z.number().int().nonnegative();
const idKey = z.string().regex(/^[0-9]+$/, "the key must be a non-negative integer");
const optionalId = id.nullable().optional();

const customerValue = id;
const userValue = z.object({ old_user_id: id.nullable(), dealer_id: id });
const technicianValue = z.object({ old_technician_id: id, dealer_id: optionalId, user_id: optionalId });
const certificateValue = z.object({
  old_certificate_id: id,
  new_certificate_id: optionalId,
  device_id: optionalId,
  customer_id: optionalId,
  technician_id: optionalId,
  vehicle_id: optionalId,
  dealer_id: optionalId,
});

function text(value: number | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Reads a mapping file's text; undefined when the file does not exist. */
async function readMappingText(file: string): Promise<Result<string | undefined>> {
  try {
    return ok((await readFile(file, "utf8")).replace(/^\uFEFF/, ""));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return ok(undefined);
    return err(
      appError(
        ErrorCode.FILE_ERROR,
        `Could not read the mapping file ${file}: ${(error as Error).message}.`,
        {
          cause: error,
          details: { path: file },
        },
      ),
    );
  }
}

function badEntry(file: string, key: string, problem: string): AppError {
  return appError(
    ErrorCode.CONFIGURATION_ERROR,
    `The mapping file ${file} has a malformed entry "${key}": ${problem}; fix or remove that entry.`,
    { details: { path: file, entry: key } },
  );
}

/**
 * Validates and converts a mapping file's members one at a time, handing each converted member to `add`:
 * nothing but the converted result is kept, so a large file costs little more than its text.
 */
function readValidEntries<S extends z.ZodType, T>(
  file: string,
  text: string,
  schema: S,
  convert: (key: string, value: z.infer<S>) => T | string,
  add: (converted: T) => void,
  hasKey?: (key: string) => boolean,
): Result<void> {
  let failure: AppError | undefined;
  const problem = readJsonObject(
    text,
    (key, raw) => {
      if (!idKey.safeParse(key).success) {
        failure = badEntry(file, key, "the key must be a non-negative integer");
        return false;
      }
      const value = schema.safeParse(raw);
      if (!value.success) {
        const issue = value.error.issues[0];
        const where =
          issue === undefined || issue.path.length === 0 ? "the value" : `"${issue.path.join(".")}"`;
        failure = badEntry(
          file,
          key,
          `${where} ${issue?.message ?? "is invalid"} (found ${JSON.stringify(raw)})`,
        );
        return false;
      }
      const converted = convert(key, value.data as z.infer<S>);
      if (typeof converted === "string") {
        failure = badEntry(file, key, converted);
        return false;
      }
      add(converted);
      return true;
    },
    hasKey,
  );
  if (problem !== undefined) {
    return err(
      appError(ErrorCode.CONFIGURATION_ERROR, `The mapping file ${file} is malformed: ${problem.message}.`, {
        details: { path: file },
      }),
    );
  }
  return failure === undefined ? ok(undefined) : err(failure);
}

/**
 * Reads and validates the mapping files once (`certificates_mappings.json` too unless `options.certificates` is false). A file that does not exist reads as empty (and is listed
 * in `missing`); a file that is not a JSON object, or an entry of the wrong shape, is a CONFIGURATION_ERROR
 * naming the file and the entry. `technicians_mapping.json` may mix its two shapes; `certificates_mappings.json`
 * may hold the interactive shape, the automated one (whose `dealer_id` is really the device id) or ours.
 */
export async function loadMappingFiles(
  paths: MappingFilePaths,
  options: LoadMappingFilesOptions = {},
): Promise<Result<MappingFiles>> {
  const missing: string[] = [];
  const load = async <S extends z.ZodType, T>(
    file: string | undefined,
    schema: S,
    convert: (key: string, value: z.infer<S>) => T | string,
    add?: (converted: T) => void,
    hasKey?: (key: string) => boolean,
  ): Promise<Result<T[]>> => {
    const list: T[] = [];
    if (file === undefined) return ok(list); // not asked for
    const text = await readMappingText(file);
    if (!text.ok) return text;
    if (text.value === undefined) {
      missing.push(file);
      return ok(list);
    }
    const read = readValidEntries(
      file,
      text.value,
      schema,
      convert,
      add ?? ((converted) => list.push(converted)),
      hasKey,
    );
    return read.ok ? ok(list) : read;
  };

  // Customers go straight into their map: the largest files are customer lists, one small member each.
  const customerMap = new IdMap();
  const customers = await load(
    paths.customers,
    customerValue,
    (key, value) => [key, String(value)] as const,
    ([key, value]) => void customerMap.set(key, value),
    (key) => customerMap.has(key),
  );
  if (!customers.ok) return customers;
  const users = await load(paths.users, userValue, (key, value) => ({
    userId: key,
    oldUserId: value.old_user_id,
    dealerId: value.dealer_id,
  }));
  if (!users.ok) return users;
  const technicians = await load(paths.technicians, technicianValue, (key, value): TechnicianMapping => {
    const dealerId = text(value.dealer_id);
    const userId = text(value.user_id);
    return {
      technicianId: key,
      oldTechnicianId: value.old_technician_id,
      ...(dealerId === null ? {} : { dealerId }),
      ...(userId === null ? {} : { userId }),
    };
  });
  if (!technicians.ok) return technicians;
  const readCertificates = options.certificates ?? true;
  const certificates = await load(
    readCertificates ? paths.certificates : undefined,
    certificateValue,
    (key, value): CertificateMapping | string => {
      if (String(value.old_certificate_id) !== key) {
        return `"old_certificate_id" is ${value.old_certificate_id} but the key is ${key}`;
      }
      // The automated mode of the old tool stored only these two, and put the device id under dealer_id.
      const automatedShape =
        value.device_id === undefined && value.customer_id === undefined && value.vehicle_id === undefined;
      return {
        legacyCertificateId: value.old_certificate_id,
        newCertificateId: value.new_certificate_id ?? null,
        deviceId: automatedShape ? text(value.dealer_id) : text(value.device_id),
        customerId: text(value.customer_id),
        technicianId: text(value.technician_id),
        vehicleId: text(value.vehicle_id),
        dealerId: automatedShape ? null : text(value.dealer_id),
      };
    },
  );
  if (!certificates.ok) return certificates;

  return ok({
    paths,
    customers: customerMap,
    users: users.value,
    technicians: technicians.value,
    certificates: certificates.value,
    missing,
  });
}
