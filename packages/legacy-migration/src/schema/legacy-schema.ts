import { EntitySchema } from "typeorm";
import type { SqlDialect } from "./sql-dialect.js";

/**
 * How the legacy `certificate_record` dates are stored. The peewee models declare them `TimestampField`
 * (BIGINT epoch seconds, the default here); some installations hold DATETIME wall-clock values instead
 * (`timestamp` without time zone on PostgreSQL). The migration detects the real type of each column at run
 * time, so this only matters when creating tables.
 */
export type LegacyDateStorage = "epoch" | "datetime";

/**
 * A row of the legacy `certificate_record` table, as TypeORM reads it with mysql2 `bigNumberStrings` and
 * `dateStrings: true` (BIGINT epoch dates and DATETIME values are then strings, never shifted by a zone).
 * The pg driver gives BIGINT as strings too, but `timestamp` values as `Date`s; the migration itself never
 * reads dates through an entity, it selects them as text.
 */
export interface LegacyCertificateRow {
  id: number;
  serialno: number | null;
  ecu: string;
  customer_id: number;
  installer_user_id: number;
  caliberater_user_id: number;
  installer_technician_id: number;
  caliberater_technician_id: number;
  fleet_id: string;
  vehicle_type: string;
  vehicle_registration: string;
  vehicle_chassis: string;
  speed: string;
  kilometer: number | null;
  date_installation: string | null;
  date_calibrate: string | null;
  date_expiry: string | null;
  date_cancelation: string | null;
  date_actual_installation: string | null;
  renewal_count: number;
  dealer_id: number;
  print_count: number;
  activstate: number;
  description: string | null;
  updated_by_user_id: number;
}

/** A row of the legacy `ecu_master` table (it has no primary key; `ecu` is unique and stands in for one). */
export interface LegacyEcuRow {
  ecu: string;
  lock: number;
  dealer_id: number;
  add_date_timestamp: string;
  ecu_added_by: number;
  remarks: string | null;
}

/** A row of the legacy `customer_master` table. */
export interface LegacyCustomerRow {
  id: number;
  company: string;
  email: string;
  o_address: string;
  o_contactphone: string;
  add_date: string;
  user_id: number;
  company_local: string;
}

/** A row of the legacy `technician_master` table. */
export interface LegacyTechnicianRow {
  id: number;
  technician_name: string;
  technician_phone: string;
  technician_email: string;
  add_date: string;
  user_id: number;
}

/** A row of the legacy `users` table (the id is a BIGINT, so a string). */
export interface LegacyUserRow {
  id: string;
  username: string | null;
  password: string | null;
  full_name: string;
  company: string | null;
  activstate: number;
  email: string;
  mobile: string | null;
  usertype: string;
  add_date: string;
  added_by_user_id: number;
  forgotpassword: number;
  access_privilege_array: string;
  company_local: string;
  full_name_local: string;
  cms_support_email: string | null;
  cms_support_mobileno: string | null;
  is_cms_admin: boolean | null;
}

/** A row of the legacy `dealer_master` table. */
export interface LegacyDealerRow {
  id: number;
  company: string;
  email: string;
  phone: string;
  mobile: string;
  emirate: string;
  status: string;
  salesuser: string;
  add_date: string;
  added_by: number;
}

/** A row of the legacy `fleet` table (not used by certificates; defined so the schema is complete). */
export interface LegacyFleetRow {
  fleet_id: string;
  fleet_veh_no: string;
  fleet_veh_model: string;
  brand: string;
  fleet_chassis: string;
}

/** The legacy schema's entities, one per table. */
export interface LegacyEntitySchemas {
  readonly certificateRecord: EntitySchema<LegacyCertificateRow>;
  readonly ecuMaster: EntitySchema<LegacyEcuRow>;
  readonly customerMaster: EntitySchema<LegacyCustomerRow>;
  readonly technicianMaster: EntitySchema<LegacyTechnicianRow>;
  readonly users: EntitySchema<LegacyUserRow>;
  readonly dealerMaster: EntitySchema<LegacyDealerRow>;
  readonly fleet: EntitySchema<LegacyFleetRow>;
}

/** What {@link legacyEntitySchemas} builds the legacy tables for. */
export interface LegacySchemaOptions {
  /** The type of the five `certificate_record` dates (default `epoch`). */
  readonly dateStorage?: LegacyDateStorage;
  /** The database the tables live in (default `mysql`, the original CMS's). */
  readonly dialect?: SqlDialect;
}

/**
 * TypeORM entities for the legacy CMS database, with the types and nullability the original peewee models
 * declare, for MySQL/MariaDB (the default) or PostgreSQL. Register them in your own `DataSource`;
 * `dateStorage` picks the type of the five `certificate_record` dates (BIGINT epoch seconds by default, or
 * wall-clock DATETIME, which is `timestamp` without time zone on PostgreSQL).
 */
export function legacyEntitySchemas(options: LegacySchemaOptions = {}): LegacyEntitySchemas {
  // PostgreSQL has no DATETIME; its zone-less `timestamp` holds the same Asia/Dubai wall-clock values.
  const wallClock = (options.dialect ?? "mysql") === "mysql" ? "datetime" : "timestamp";
  const dateType = (options.dateStorage ?? "epoch") === "epoch" ? "bigint" : wallClock;
  const legacyDate = { type: dateType, nullable: true } as const;
  return {
    certificateRecord: new EntitySchema<LegacyCertificateRow>({
      name: "LegacyCertificateRecord",
      tableName: "certificate_record",
      columns: {
        id: { type: "int", primary: true, generated: "increment" },
        serialno: { type: "int", nullable: true, unique: true },
        ecu: { type: "varchar", length: 50 },
        customer_id: { type: "int" },
        installer_user_id: { type: "int" },
        caliberater_user_id: { type: "int" },
        installer_technician_id: { type: "int" },
        caliberater_technician_id: { type: "int" },
        fleet_id: { type: "varchar", length: 20, default: "0" },
        vehicle_type: { type: "text" },
        vehicle_registration: { type: "text" },
        vehicle_chassis: { type: "text" },
        speed: { type: "text" },
        kilometer: { type: "int", nullable: true },
        date_installation: legacyDate,
        date_calibrate: legacyDate,
        date_expiry: legacyDate,
        date_cancelation: legacyDate,
        date_actual_installation: legacyDate,
        renewal_count: { type: "int", default: 0 },
        dealer_id: { type: "int" },
        print_count: { type: "int", default: 0 },
        activstate: { type: "int", default: 1 },
        description: { type: "varchar", length: 500, nullable: true },
        updated_by_user_id: { type: "int" },
      },
      // The migration pages by id and looks renewals up by ECU.
      indices: [{ name: "certificate_record_ecu", columns: ["ecu"] }],
    }),
    ecuMaster: new EntitySchema<LegacyEcuRow>({
      name: "LegacyEcuMaster",
      tableName: "ecu_master",
      columns: {
        ecu: { type: "varchar", length: 50, primary: true },
        lock: { type: "int", default: 0 },
        dealer_id: { type: "int" },
        add_date_timestamp: { type: wallClock, default: () => "CURRENT_TIMESTAMP" },
        ecu_added_by: { type: "int" },
        remarks: { type: "varchar", length: 500, nullable: true },
      },
    }),
    customerMaster: new EntitySchema<LegacyCustomerRow>({
      name: "LegacyCustomerMaster",
      tableName: "customer_master",
      columns: {
        id: { type: "int", primary: true },
        company: { type: "text" },
        email: { type: "text" },
        o_address: { type: "text" },
        o_contactphone: { type: "text" },
        add_date: { type: wallClock },
        user_id: { type: "int" },
        company_local: { type: "text" },
      },
    }),
    technicianMaster: new EntitySchema<LegacyTechnicianRow>({
      name: "LegacyTechnicianMaster",
      tableName: "technician_master",
      columns: {
        id: { type: "int", primary: true },
        technician_name: { type: "text" },
        technician_phone: { type: "text" },
        technician_email: { type: "text" },
        add_date: { type: wallClock },
        user_id: { type: "int" },
      },
    }),
    users: new EntitySchema<LegacyUserRow>({
      name: "LegacyUser",
      tableName: "users",
      columns: {
        id: { type: "bigint", primary: true },
        username: { type: "text", nullable: true },
        password: { type: "text", nullable: true },
        full_name: { type: "text" },
        company: { type: "text", nullable: true },
        activstate: { type: "int", default: 1 },
        email: { type: "varchar", length: 255, unique: true },
        mobile: { type: "text", nullable: true },
        usertype: { type: "text", default: "Installer" },
        add_date: { type: wallClock },
        added_by_user_id: { type: "int" },
        forgotpassword: { type: "int", default: 0 },
        access_privilege_array: { type: "text" },
        company_local: { type: "text" },
        full_name_local: { type: "text" },
        cms_support_email: { type: "varchar", length: 100, nullable: true },
        cms_support_mobileno: { type: "varchar", length: 20, nullable: true },
        is_cms_admin: { type: "boolean", nullable: true },
      },
    }),
    dealerMaster: new EntitySchema<LegacyDealerRow>({
      name: "LegacyDealerMaster",
      tableName: "dealer_master",
      columns: {
        id: { type: "int", primary: true, generated: "increment" },
        company: { type: "varchar", length: 300 },
        email: { type: "varchar", length: 200, unique: true },
        phone: { type: "text" },
        mobile: { type: "text" },
        emirate: { type: "varchar", length: 20, default: "NA" },
        status: { type: "varchar", length: 20, default: "AFC" },
        salesuser: { type: "varchar", length: 20 },
        add_date: { type: wallClock, default: () => "CURRENT_TIMESTAMP" },
        added_by: { type: "int" },
      },
    }),
    fleet: new EntitySchema<LegacyFleetRow>({
      name: "LegacyFleet",
      tableName: "fleet",
      columns: {
        fleet_id: { type: "varchar", length: 20, primary: true },
        fleet_veh_no: { type: "text" },
        fleet_veh_model: { type: "text" },
        brand: { type: "text" },
        fleet_chassis: { type: "text" },
      },
    }),
  };
}
