import { IssuerAndSerialNumber } from "@peculiar/asn1-cms";
import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";

// The DeviationList module of ICAO Doc 9303-12 (DEFINITIONS IMPLICIT TAGS), as @peculiar/asn1-schema classes.
// The decorators are applied as plain calls, so the package needs no experimentalDecorators setting.

/** IssuancePeriod ::= SEQUENCE { firstIssued GeneralizedTime, lastIssued GeneralizedTime } */
export class IssuancePeriod {
  firstIssued = new Date(0);
  lastIssued = new Date(0);
}
AsnType({ type: AsnTypeTypes.Sequence })(IssuancePeriod);
AsnProp({ type: AsnPropTypes.GeneralizedTime })(IssuancePeriod.prototype, "firstIssued");
AsnProp({ type: AsnPropTypes.GeneralizedTime })(IssuancePeriod.prototype, "lastIssued");

/**
 * DeviationDocuments ::= SEQUENCE { documentType [0] PrintableString (SIZE(2)) OPTIONAL,
 *   dscIdentifier DocumentSignerIdentifier OPTIONAL, issuingDate [4] IssuancePeriod OPTIONAL,
 *   documentNumbers [5] SET OF PrintableString OPTIONAL }
 * DocumentSignerIdentifier ::= CHOICE { issuerAndSerialNumber [1] IssuerAndSerialNumber,
 *   subjectKeyIdentifier [2] SubjectKeyIdentifier, certificateDigest [3] Digest }
 * The untagged CHOICE is written as its three tagged alternatives (the same encoding): asn1-schema would
 * otherwise let an optional CHOICE swallow the field after it.
 */
export class DeviationDocuments {
  documentType?: string;
  issuerAndSerialNumber?: IssuerAndSerialNumber;
  subjectKeyIdentifier?: OctetString;
  certificateDigest?: OctetString;
  issuingDate?: IssuancePeriod;
  documentNumbers?: string[];
}
AsnType({ type: AsnTypeTypes.Sequence })(DeviationDocuments);
AsnProp({ type: AsnPropTypes.PrintableString, context: 0, implicit: true, optional: true })(
  DeviationDocuments.prototype,
  "documentType",
);
AsnProp({ type: IssuerAndSerialNumber, context: 1, implicit: true, optional: true })(
  DeviationDocuments.prototype,
  "issuerAndSerialNumber",
);
AsnProp({ type: OctetString, context: 2, implicit: true, optional: true })(
  DeviationDocuments.prototype,
  "subjectKeyIdentifier",
);
AsnProp({ type: OctetString, context: 3, implicit: true, optional: true })(
  DeviationDocuments.prototype,
  "certificateDigest",
);
AsnProp({ type: IssuancePeriod, context: 4, implicit: true, optional: true })(
  DeviationDocuments.prototype,
  "issuingDate",
);
AsnProp({
  type: AsnPropTypes.PrintableString,
  context: 5,
  implicit: true,
  repeated: "set",
  optional: true,
})(DeviationDocuments.prototype, "documentNumbers");

/**
 * DeviationDescription ::= SEQUENCE { description PrintableString OPTIONAL, deviationType OBJECT IDENTIFIER,
 *   parameters [0] ANY DEFINED BY deviationType OPTIONAL, nationalUse [1] ANY OPTIONAL }
 * (a tagged ANY is always explicitly tagged).
 */
export class DeviationDescription {
  description?: string;
  deviationType = "";
  parameters?: ArrayBuffer;
  nationalUse?: ArrayBuffer;
}
AsnType({ type: AsnTypeTypes.Sequence })(DeviationDescription);
AsnProp({ type: AsnPropTypes.PrintableString, optional: true })(
  DeviationDescription.prototype,
  "description",
);
AsnProp({ type: AsnPropTypes.ObjectIdentifier })(DeviationDescription.prototype, "deviationType");
AsnProp({ type: AsnPropTypes.Any, context: 0, optional: true })(DeviationDescription.prototype, "parameters");
AsnProp({ type: AsnPropTypes.Any, context: 1, optional: true })(
  DeviationDescription.prototype,
  "nationalUse",
);

/** Deviation ::= SEQUENCE { documents DeviationDocuments, descriptions SET OF DeviationDescription } */
export class Deviation {
  documents = new DeviationDocuments();
  descriptions: DeviationDescription[] = [];
}
AsnType({ type: AsnTypeTypes.Sequence })(Deviation);
AsnProp({ type: DeviationDocuments })(Deviation.prototype, "documents");
AsnProp({ type: DeviationDescription, repeated: "set" })(Deviation.prototype, "descriptions");

/** DeviationList ::= SEQUENCE { version INTEGER {v0(0)}, digestAlgorithm AlgorithmIdentifier OPTIONAL, deviations SET OF Deviation } */
export class DeviationListContent {
  version = 0;
  digestAlgorithm?: AlgorithmIdentifier;
  deviations: Deviation[] = [];
}
AsnType({ type: AsnTypeTypes.Sequence })(DeviationListContent);
AsnProp({ type: AsnPropTypes.Integer })(DeviationListContent.prototype, "version");
AsnProp({ type: AlgorithmIdentifier, optional: true })(DeviationListContent.prototype, "digestAlgorithm");
AsnProp({ type: Deviation, repeated: "set" })(DeviationListContent.prototype, "deviations");
