"""A CASE 1.1 package (1EdTech Competencies and Academic Standards Exchange, CFPackage
JSON) as typed input: the parts the hub reads, every other property ignored.

Unknown properties are ignored, not refused: a CFPackage carries much the hub has no use
for (CFDefinitions, CFRubrics, lastChangeDateTime, licences, …), and frameworks come as
published by their owners (the Kamus Kompetensi ASN), not written for the hub.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from hub.inputs import NonBlank


class _Case(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class CaseDocument(_Case):
    identifier: NonBlank
    title: NonBlank
    uri: StrictStr | None = None
    version: StrictStr | None = None


class CaseItem(_Case):
    identifier: StrictStr
    fullStatement: StrictStr  # CASE's own names
    uri: StrictStr | None = None
    CFItemType: StrictStr | None = None
    humanCodingScheme: StrictStr | None = None
    abbreviatedStatement: StrictStr | None = None
    listEnumeration: StrictStr | None = None


class CaseNode(_Case):
    identifier: StrictStr | None = None
    uri: StrictStr | None = None

    @property
    def name(self) -> str | None:
        return self.identifier or self.uri


class CaseAssociation(_Case):
    originNodeURI: CaseNode | None = None
    destinationNodeURI: CaseNode | None = None
    associationType: StrictStr | None = None
    sequenceNumber: StrictInt | None = None


class CasePackage(_Case):
    CFDocument: CaseDocument
    CFItems: list[CaseItem] = Field(default_factory=list)
    CFAssociations: list[CaseAssociation] = Field(default_factory=list)


class CaseError(ValueError):
    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.pointer = pointer


def parse_package(package: Any) -> CasePackage:
    """`package` (decoded JSON) as a CasePackage, or a CaseError naming what is wrong
    and its JSON pointer."""
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise CaseError("a CASE 1.1 package is a JSON object with a CFDocument", "")
    for name in ("CFItems", "CFAssociations"):
        if package.get(name) is None:
            package = {key: value for key, value in package.items() if key != name}
    try:
        return CasePackage.model_validate(package)
    except ValidationError as exc:
        raise _case_error(exc) from None


def _case_error(exc: ValidationError) -> CaseError:
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"]]
    pointer = "".join(f"/{part}" for part in loc)
    if loc[:1] == ["CFDocument"] and len(loc) >= 2 and loc[1] in ("identifier", "title"):
        return CaseError(f"CFDocument.{loc[1]} is required", pointer)
    if loc[:1] == ["CFItems"]:
        if len(loc) == 1:
            return CaseError("CFItems and CFAssociations must be arrays", "")
        return CaseError("every CFItem needs an identifier and a fullStatement",
                         f"/CFItems/{loc[1]}")
    if loc[:1] == ["CFAssociations"]:
        if len(loc) == 1:
            return CaseError("CFItems and CFAssociations must be arrays", "")
        if len(loc) == 2:
            return CaseError("every CFAssociation is an object", pointer)
    text = error["msg"].removeprefix("Value error, ")
    return CaseError(f"{pointer or 'the package'}: {text}", pointer)
