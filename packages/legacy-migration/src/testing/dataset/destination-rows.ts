import type { GeneratedRow } from "./generated-rows.js";

const BCRYPT_LIKE = "$2y$10$abcdefghijklmnopqrstuu5Q2m0nQ7a1X9jKx0N3s4f8HhZ6yqk1G";

/** `YYYY-MM-DD HH:MM:SS` of an epoch instant in UTC (destination timestamps). */
export function utcText(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** A destination `users` row, as the user migration left it. */
export function userRow(
  id: number,
  name: string,
  email: string,
  parent: number | null,
  username: string | null,
  now: number,
): GeneratedRow {
  return {
    id,
    name,
    email,
    parent_id: parent,
    email_verified_at: null,
    password: BCRYPT_LIKE,
    username,
    company: null,
    phone: `04${String(id).padStart(7, "0")}`,
    mobile: `05${String(id).padStart(8, "0")}`,
    emirates: "Dubai",
    timezone: "Asia/Dubai",
    state: null,
    status: "active",
    country_id: 231,
    remember_token: null,
    created_at: utcText(now),
    updated_at: utcText(now),
  };
}

/** A destination `technicians` row. */
export function technicianRow(
  id: number,
  name: string,
  email: string,
  dealer: number,
  now: number,
): GeneratedRow {
  return {
    id,
    name,
    email,
    phone: `05${String(id).padStart(8, "0")}`,
    dealer_id: dealer,
    country_id: 231,
    created_by: null,
    created_at: utcText(now),
    updated_at: utcText(now),
  };
}

/** A row of one of the device catalogue tables (type, model, variant). */
export function lookupRow(id: number, name: string, now: number): GeneratedRow {
  return {
    id,
    name,
    enabled: 1,
    user_id: 1,
    country_id: 231,
    created_at: utcText(now),
    updated_at: utcText(now),
  };
}
