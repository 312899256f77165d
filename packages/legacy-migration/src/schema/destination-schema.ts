import { EntitySchema, type EntitySchemaColumnOptions } from "typeorm";
import type { SqlDialect } from "./sql-dialect.js";

/**
 * A row of the destination `certificates` table. BIGINT values are strings (mysql2 `bigNumberStrings`, pg's
 * default); DATETIME values are UTC `YYYY-MM-DD HH:MM:SS` text when read with mysql2 `dateStrings: true`
 * (the migration itself never lets a driver convert dates: it writes text and reads with CAST/to_char).
 */
export interface CertificateRow {
  id: number;
  serial_number: string | null;
  status: string;
  device_id: string | null;
  installation_date: string;
  calibration_date: string;
  expiry_date: string;
  notified: boolean;
  requested_for_cancellation: boolean;
  cancelled: boolean;
  enable_renewal: boolean;
  cancellation_date: string | null;
  previous_certificate_id: number | null;
  cancelled_by_id: string | null;
  cancellation_requested_by_id: string | null;
  installed_by_id: string;
  calibrated_by_id: string;
  installed_by_user_id: string;
  calibrated_by_user_id: string;
  dealer_id: string;
  user_id: string;
  installed_for_id: string | null;
  vehicle_id: string | null;
  km_reading: number;
  speed_limit: number;
  print_count: number;
  renewal_count: number;
  description: string | null;
  country_id: number;
  created_at: string;
  updated_at: string;
}

/** A row of the destination `devices` table. */
export interface DeviceRow {
  id: string;
  ecu_number: string;
  device_type_id: string;
  device_model_id: string;
  device_variant_id: string;
  remarks: string | null;
  lock: number;
  blocked: number;
  dealer_id: string | null;
  user_id: string;
  country_id: number;
  created_at: string | null;
  updated_at: string | null;
}

/** A row of `device_types`. */
export interface DeviceTypeRow {
  id: string;
  name: string;
  enabled: number;
  user_id: string;
  country_id: number;
  created_at: string | null;
  updated_at: string | null;
}

/** A row of `device_models`. */
export interface DeviceModelRow extends DeviceTypeRow {
  device_type_id: string;
  approval_code: string;
}

/** A row of `device_variants`. */
export interface DeviceVariantRow extends DeviceTypeRow {
  description: string;
  device_model_id: string;
}

/** A row of the destination `users` table. */
export interface UserRow {
  id: string;
  name: string;
  email: string;
  parent_id: string | null;
  email_verified_at: string | null;
  password: string;
  username: string | null;
  company: string | null;
  phone: string | null;
  mobile: string | null;
  emirates: string | null;
  timezone: string | null;
  state: string | null;
  status: string;
  country_id: number;
  remember_token: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/** A row of the destination `customers` table (its id equals the legacy customer id). */
export interface CustomerRow {
  id: string;
  email: string;
  name: string;
  name_local: string | null;
  address: string;
  contact_number: string;
  user_id: string;
  country_id: number;
  created_at: string | null;
  updated_at: string | null;
}

/** A row of `customer_dealer` (untouched by the certificate migration). */
export interface CustomerDealerRow {
  customer_id: string;
  dealer_id: string;
}

/** A row of the destination `technicians` table (no unique key on email). */
export interface TechnicianRow {
  id: string;
  name: string;
  email: string;
  phone: string;
  dealer_id: string;
  country_id: string | null;
  created_by: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/** A row of `technician_user`. */
export interface TechnicianUserRow {
  technician_id: string;
  user_id: string;
}

/** A row of the destination `vehicles` table. */
export interface VehicleRow {
  id: string;
  brand: string;
  model: string;
  vehicle_no: string | null;
  vehicle_chassis_no: string;
  new_registration: boolean;
  certificate_id: string | null;
}

/** The destination schema's entities, one per table. */
export interface DestinationEntitySchemas {
  readonly certificates: EntitySchema<CertificateRow>;
  readonly devices: EntitySchema<DeviceRow>;
  readonly deviceTypes: EntitySchema<DeviceTypeRow>;
  readonly deviceModels: EntitySchema<DeviceModelRow>;
  readonly deviceVariants: EntitySchema<DeviceVariantRow>;
  readonly users: EntitySchema<UserRow>;
  readonly customers: EntitySchema<CustomerRow>;
  readonly customerDealer: EntitySchema<CustomerDealerRow>;
  readonly technicians: EntitySchema<TechnicianRow>;
  readonly technicianUser: EntitySchema<TechnicianUserRow>;
  readonly vehicles: EntitySchema<VehicleRow>;
}

const varchar = (nullable = false): EntitySchemaColumnOptions => ({ type: "varchar", length: 255, nullable });
const bigintId: EntitySchemaColumnOptions = { type: "bigint", primary: true, generated: "increment" };

/**
 * TypeORM entities for the destination (Laravel-style) database, for MySQL/MariaDB or PostgreSQL: DATETIME
 * columns are `datetime` on MySQL and `timestamp` (without time zone) on PostgreSQL, and always hold UTC.
 * Defaults the schema page marks "(app)" (country 231) are applied by the migration, not the table.
 */
export function destinationEntitySchemas(dialect: SqlDialect): DestinationEntitySchemas {
  const dateTime = (nullable: boolean): EntitySchemaColumnOptions => ({
    type: dialect === "mysql" ? "datetime" : "timestamp",
    nullable,
  });
  const fk = (
    target: string,
    nullable: boolean,
    onDelete?: "SET NULL" | "CASCADE",
  ): EntitySchemaColumnOptions => ({
    type: "bigint",
    nullable,
    foreignKey: onDelete === undefined ? { target } : { target, onDelete },
  });
  const lookupColumns = {
    id: bigintId,
    name: varchar(),
    enabled: { type: "int", default: 1 },
    user_id: { type: "bigint" },
    country_id: { type: "int" },
    created_at: dateTime(true),
    updated_at: dateTime(true),
  } satisfies Record<keyof DeviceTypeRow, EntitySchemaColumnOptions>;

  return {
    certificates: new EntitySchema<CertificateRow>({
      name: "Certificate",
      tableName: "certificates",
      columns: {
        id: { type: "int", primary: true, generated: "increment" },
        serial_number: { type: "bigint", nullable: true, unique: true },
        status: { type: "varchar", length: 255, default: "active" },
        device_id: fk("Device", true, "SET NULL"),
        installation_date: dateTime(false),
        calibration_date: dateTime(false),
        expiry_date: dateTime(false),
        notified: { type: "boolean", default: false },
        requested_for_cancellation: { type: "boolean", default: false },
        cancelled: { type: "boolean", default: false },
        enable_renewal: { type: "boolean", default: false },
        cancellation_date: dateTime(true),
        previous_certificate_id: {
          type: "int",
          nullable: true,
          foreignKey: { target: "Certificate", onDelete: "SET NULL" },
        },
        cancelled_by_id: fk("User", true, "SET NULL"),
        cancellation_requested_by_id: fk("User", true, "SET NULL"),
        installed_by_id: fk("Technician", false),
        calibrated_by_id: fk("Technician", false),
        installed_by_user_id: fk("User", false),
        calibrated_by_user_id: fk("User", false),
        dealer_id: fk("User", false),
        user_id: fk("User", false),
        installed_for_id: fk("Customer", true),
        vehicle_id: fk("Vehicle", true, "SET NULL"),
        km_reading: { type: "int" },
        speed_limit: { type: "int" },
        print_count: { type: "int", default: 0 },
        renewal_count: { type: "int", default: 0 },
        description: { type: "text", nullable: true },
        country_id: { type: "int" },
        created_at: dateTime(false),
        updated_at: dateTime(false),
      },
    }),
    devices: new EntitySchema<DeviceRow>({
      name: "Device",
      tableName: "devices",
      columns: {
        id: bigintId,
        ecu_number: { type: "varchar", length: 255, unique: true },
        device_type_id: fk("DeviceType", false, "CASCADE"),
        device_model_id: fk("DeviceModel", false, "CASCADE"),
        device_variant_id: fk("DeviceVariant", false, "CASCADE"),
        remarks: varchar(true),
        lock: { type: "int", default: 0 },
        blocked: { type: "int", default: 0 },
        dealer_id: { type: "bigint", nullable: true },
        user_id: { type: "bigint" },
        country_id: { type: "int" },
        created_at: dateTime(true),
        updated_at: dateTime(true),
      },
    }),
    deviceTypes: new EntitySchema<DeviceTypeRow>({
      name: "DeviceType",
      tableName: "device_types",
      columns: lookupColumns,
    }),
    deviceModels: new EntitySchema<DeviceModelRow>({
      name: "DeviceModel",
      tableName: "device_models",
      columns: {
        ...lookupColumns,
        device_type_id: fk("DeviceType", false, "CASCADE"),
        approval_code: { type: "varchar", length: 255, default: "0000" },
      },
    }),
    deviceVariants: new EntitySchema<DeviceVariantRow>({
      name: "DeviceVariant",
      tableName: "device_variants",
      columns: {
        ...lookupColumns,
        description: varchar(),
        device_model_id: fk("DeviceModel", false, "CASCADE"),
      },
    }),
    users: new EntitySchema<UserRow>({
      name: "User",
      tableName: "users",
      columns: {
        id: bigintId,
        name: varchar(),
        email: varchar(),
        parent_id: { type: "bigint", nullable: true },
        email_verified_at: dateTime(true),
        password: varchar(),
        username: { type: "varchar", length: 255, nullable: true, unique: true },
        company: varchar(true),
        phone: varchar(true),
        mobile: varchar(true),
        emirates: varchar(true),
        timezone: varchar(true),
        state: varchar(true),
        status: { type: "varchar", length: 10, default: "active" },
        country_id: { type: "int", default: 231 },
        remember_token: { type: "varchar", length: 100, nullable: true },
        created_at: dateTime(true),
        updated_at: dateTime(true),
      },
    }),
    customers: new EntitySchema<CustomerRow>({
      name: "Customer",
      tableName: "customers",
      columns: {
        id: bigintId,
        email: varchar(),
        name: varchar(),
        name_local: varchar(true),
        address: { type: "text" },
        contact_number: varchar(),
        user_id: { type: "bigint" },
        country_id: { type: "int", default: 231 },
        created_at: dateTime(true),
        updated_at: dateTime(true),
      },
    }),
    customerDealer: new EntitySchema<CustomerDealerRow>({
      name: "CustomerDealer",
      tableName: "customer_dealer",
      columns: {
        customer_id: { type: "bigint", primary: true },
        dealer_id: { type: "bigint", primary: true },
      },
    }),
    technicians: new EntitySchema<TechnicianRow>({
      name: "Technician",
      tableName: "technicians",
      columns: {
        id: bigintId,
        name: varchar(),
        email: varchar(),
        phone: varchar(),
        dealer_id: { type: "bigint" },
        country_id: { type: "bigint", nullable: true },
        created_by: fk("User", true),
        created_at: dateTime(true),
        updated_at: dateTime(true),
      },
    }),
    technicianUser: new EntitySchema<TechnicianUserRow>({
      name: "TechnicianUser",
      tableName: "technician_user",
      columns: {
        technician_id: { type: "bigint", primary: true, foreignKey: { target: "Technician" } },
        user_id: { type: "bigint", primary: true, foreignKey: { target: "User" } },
      },
    }),
    vehicles: new EntitySchema<VehicleRow>({
      name: "Vehicle",
      tableName: "vehicles",
      columns: {
        id: bigintId,
        brand: varchar(),
        model: varchar(),
        vehicle_no: varchar(true),
        vehicle_chassis_no: varchar(),
        new_registration: { type: "boolean", default: false },
        certificate_id: { type: "bigint", nullable: true },
      },
    }),
  };
}
