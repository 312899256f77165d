import type { IncomingMessage } from "node:http";
import type { TrustStoreLookup } from "@certs/icao-sync";
import { z } from "zod";
import { checkDocument } from "./run-check.js";

/** The largest `POST /verify` body: an EF.SOD is a few kilobytes, DG2 with a face image a few dozen. */
export const MAX_VERIFY_BODY_BYTES = 1024 * 1024;

/** What `POST /verify` answers: the status code and the JSON body. */
export interface VerifyResponse {
  readonly status: number;
  readonly body: unknown;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/\s]*={0,2}\s*$/, "must be base64");
const jsonRequest = z.object({
  document: base64,
  dataGroups: z.record(z.string().regex(/^(?:[1-9]|1[0-6])$/), base64).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
});

/** Reads a request body of at most `limit` bytes; null when it is larger (the rest is not read). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * `POST /verify`: the body is the document itself (EF.SOD, CMS SOD or DSC, any content type but JSON), or
 * `application/json` `{ "document": base64, "dataGroups": { "1": base64, ... }, "at": ISO time }`. Answers
 * 200 with the `check --json` result (valid or not), 400 for a body that is no document, 413 over the limit.
 */
export async function answerVerify(
  request: IncomingMessage,
  reader: TrustStoreLookup,
): Promise<VerifyResponse> {
  const body = await readBody(request, MAX_VERIFY_BODY_BYTES);
  if (body === null) {
    request.resume();
    return { status: 413, body: { error: `POST /verify takes at most ${MAX_VERIFY_BODY_BYTES} bytes` } };
  }
  let document: Uint8Array = body;
  const dataGroups = new Map<number, Uint8Array>();
  let at: Date | undefined;
  if (/^application\/json\b/i.test(request.headers["content-type"] ?? "")) {
    let parsed: z.infer<typeof jsonRequest>;
    try {
      const result = jsonRequest.safeParse(JSON.parse(body.toString("utf8")));
      if (!result.success) {
        const issue = result.error.issues[0];
        return {
          status: 400,
          body: { error: `${issue?.path.join(".") || "body"}: ${issue?.message ?? "is not valid"}` },
        };
      }
      parsed = result.data;
    } catch {
      return { status: 400, body: { error: "the body is not JSON" } };
    }
    document = Buffer.from(parsed.document, "base64");
    for (const [number, value] of Object.entries(parsed.dataGroups ?? {})) {
      dataGroups.set(Number(number), Buffer.from(value, "base64"));
    }
    if (parsed.at !== undefined) at = new Date(parsed.at);
  }
  if (document.length === 0) return { status: 400, body: { error: "the body holds no document" } };
  const checked = await checkDocument(reader, document, { dataGroups, ...(at === undefined ? {} : { at }) });
  if (!checked.ok) return { status: 503, body: { error: checked.error.message } };
  if ("error" in checked.value) {
    return {
      status: 400,
      body: { valid: false, error: { code: checked.value.error.code, message: checked.value.error.message } },
    };
  }
  return { status: 200, body: checked.value };
}
