"""Texts of the auditor pages and their PDFs, Bahasa Indonesia first (hub.i18n picks the
language and looks messages up), and the way numbers, dates and NIPs are written in
each language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hub import i18n
from transcripts.aggregation import jp
from transcripts.evidence import JAKARTA

MESSAGES: dict[str, dict[str, str]] = {
    "id": {
        "app.name": "Berpijar · Halaman Auditor",
        "app.short": "Berpijar Auditor",
        "skip": "Langsung ke isi",
        "lang.label": "Bahasa",
        "nav.label": "Menu utama",
        "nav.search": "Cari pegawai",
        "nav.agency": "Dasbor instansi",
        "nav.signed_in_as": "Masuk sebagai {name}",
        "nav.sign_out": "Keluar",
        "footer": "Setiap pembacaan data pegawai di halaman ini dicatat dalam log akses.",
        # sign-in
        "title.sign_in": "Masuk auditor",
        "sign_in.intro": "Masuk dengan kredensial auditor yang diberikan administrator hub "
                         "(kunci dan rahasia).",
        "sign_in.key": "Kunci kredensial",
        "sign_in.secret": "Rahasia kredensial",
        "sign_in.submit": "Masuk",
        "sign_in.wrong": "Kunci atau rahasia salah, atau kredensial sudah dicabut.",
        "sign_in.not_auditor": "Kredensial ini bukan kredensial auditor. Minta kredensial "
                               "dengan peran auditor kepada administrator hub.",
        "sign_in.missing": "Isi kunci dan rahasia kredensial.",
        "sign_in.throttled": "Terlalu banyak percobaan masuk yang gagal. Tunggu beberapa "
                             "menit, lalu coba lagi.",
        "notice.signed_out": "Anda telah keluar.",
        "notice.session_ended": "Sesi Anda berakhir karena kredensial sudah tidak berlaku. "
                                "Masuk kembali dengan kredensial yang berlaku.",
        "notice.expired": "Sesi Anda sudah kedaluwarsa. Silakan masuk kembali.",
        "notice.idle": "Sesi Anda berakhir karena terlalu lama tidak aktif. Silakan masuk "
                       "kembali.",
        "notice.sign_in_first": "Silakan masuk untuk membuka halaman ini.",
        # search
        "title.search": "Cari pegawai",
        "search.intro": "Cari pegawai ASN menurut instansi, unit kerja, nama dan kepatuhan "
                        "20 JP dalam satu tahun.",
        "search.year": "Tahun",
        "search.agency": "Instansi",
        "search.agency_any": "Semua instansi saya",
        "search.unit": "Unit kerja",
        "search.name": "Nama (sebagian)",
        "search.compliance": "Kepatuhan",
        "search.compliance_any": "Semua",
        "search.submit": "Cari",
        "search.nip": "NIP",
        "search.go": "Buka transkrip",
        "search.by_nip": "Buka transkrip menurut NIP",
        "search.results": "Hasil pencarian",
        "search.count": "{count} pegawai ditampilkan",
        "search.none": "Tidak ada pegawai yang cocok.",
        "search.next": "Halaman berikutnya",
        "search.first": "Kembali ke halaman pertama",
        "search.csv": "Unduh semua hasil (CSV)",
        "search.limited": "Kredensial Anda dibatasi pada instansi: {agencies}.",
        # people and transcripts
        "col.nip": "NIP",
        "col.name": "Nama",
        "col.employee_type": "Jenis pegawai",
        "col.agency": "Instansi",
        "col.unit": "Unit kerja",
        "col.total_jp": "Total JP",
        "col.required_jp": "JP wajib",
        "col.compliance": "Kepatuhan",
        "col.activities": "Kegiatan",
        "col.date": "Tanggal",
        "col.activity": "Kegiatan",
        "col.provider": "Penyelenggara",
        "col.platform": "Platform",
        "col.score": "Nilai",
        "col.jp": "JP",
        "col.competency": "Kompetensi",
        "col.type": "Jenis kompetensi",
        "col.level": "Level",
        "col.code": "Kode",
        "col.highest_level": "Level tertinggi",
        "col.evidence": "Bukti (id statement xAPI)",
        "col.people": "Pegawai",
        "col.compliant": "Memenuhi",
        "col.bucket": "Rentang JP",
        "type.teknis": "Teknis",
        "type.manajerial": "Manajerial",
        "type.sosial_kultural": "Sosial kultural",
        "type.unmapped": "Tanpa pemetaan kompetensi",
        "compliance.compliant": "Memenuhi",
        "compliance.non_compliant": "Belum memenuhi",
        "compliance.unknown": "Tidak diketahui",
        "compliance.unknown_long": "Jenis pegawai belum diketahui, jadi tidak ada JP wajib.",
        "employee.unknown": "Belum diketahui",
        "none": "—",
        "title.transcript": "Transkrip {year}: {name}",
        "transcript.heading": "Transkrip pengembangan kompetensi {year}",
        "transcript.person": "Data pegawai",
        "transcript.summary": "Ringkasan",
        "transcript.year": "Tahun",
        "transcript.show": "Tampilkan",
        "transcript.total": "Total JP",
        "transcript.required": "JP wajib",
        "transcript.of_required": "{total} dari {required} JP",
        "transcript.by_type": "JP per jenis kompetensi",
        "transcript.competencies": "Kompetensi yang dicapai",
        "transcript.no_competencies": "Belum ada kompetensi yang dipetakan untuk tahun ini.",
        "transcript.activities": "Kegiatan pembelajaran",
        "transcript.no_activities": "Belum ada kegiatan yang tercatat untuk tahun ini.",
        "transcript.evidence_count": "{count} statement",
        "transcript.downloads": "Unduh",
        "transcript.csv": "Transkrip (CSV)",
        "transcript.pdf": "Transkrip (PDF)",
        "transcript.digest": "Sidik transkrip",
        "transcript.generated": "Dibuat {moment} WIB",
        "transcript.page": "Halaman {page}",
        # agency
        "title.agency": "Dasbor instansi",
        "title.agency_of": "Dasbor {agency} {year}",
        "agency.intro": "Kepatuhan 20 JP pegawai satu instansi dalam satu tahun.",
        "agency.choose": "Pilih instansi",
        "agency.show": "Tampilkan",
        "agency.people": "Pegawai",
        "agency.compliant": "Memenuhi",
        "agency.non_compliant": "Belum memenuhi",
        "agency.unknown": "Jenis pegawai belum diketahui",
        "agency.total_jp": "Total JP",
        "agency.average_jp": "Rata-rata JP",
        "agency.empty": "Tidak ada pegawai terdaftar pada instansi ini.",
        "agency.by_type": "JP menurut jenis kompetensi",
        "agency.distribution": "Sebaran JP pegawai terhadap batas {required} JP",
        "agency.units": "Per unit kerja",
        "agency.under": "Pegawai yang belum memenuhi {required} JP",
        "agency.under_none": "Semua pegawai dengan JP wajib sudah memenuhinya.",
        "agency.downloads": "Unduh laporan",
        "agency.csv": "Pegawai belum memenuhi (CSV)",
        "agency.pdf": "Laporan instansi (PDF)",
        "agency.more": "Daftar berikutnya",
        "chart.data": "Data grafik",
        "chart.by_type_title": "Grafik batang JP menurut jenis kompetensi",
        "chart.by_type_desc": "Total JP per jenis kompetensi: {items}.",
        "chart.distribution_title": "Grafik sebaran JP pegawai dengan garis batas {required} JP",
        "chart.distribution_desc": "Jumlah pegawai per rentang JP: {items}. {under} pegawai "
                                   "di bawah {required} JP, {over} pegawai pada atau di atas "
                                   "{required} JP.",
        "chart.distribution_plain": "Jumlah pegawai per rentang JP: {items}.",
        "chart.line": "Batas {required} JP",
        "chart.under": "Di bawah batas",
        "chart.over": "Pada atau di atas batas",
        "chart.people_axis": "Pegawai",
        "chart.jp_axis": "JP",
        "report.people_under": "Pegawai yang belum memenuhi JP wajib",
        # errors
        "title.error": "Terjadi kesalahan",
        "error.400": "Permintaan tidak dapat diproses",
        "error.404": "Tidak ditemukan",
        "error.403": "Akses ditolak",
        "error.405": "Cara permintaan tidak didukung",
        "error.500": "Terjadi kesalahan pada server",
        "error.bad_year": "Tahun tidak sah. Gunakan tahun seperti 2026 (1900-2200).",
        "error.bad_nip": "NIP tidak sah. NIP terdiri atas 18 angka, misalnya "
                         "19860926 201505 1 001.",
        "error.bad_choice": "Nilai isian \"{field}\" tidak dikenal.",
        "error.bad_text": "Isian \"{field}\" tidak sah: paling banyak 200 karakter, tanpa "
                          "karakter kendali.",
        "error.unknown_parameter": "Parameter \"{field}\" tidak dikenal halaman ini.",
        "error.repeated_parameter": "Parameter \"{field}\" diberikan lebih dari sekali.",
        "error.agency_required": "Pilih instansi terlebih dahulu.",
        "error.unknown_person": "Tidak ada pegawai dengan NIP {nip} yang dapat Anda lihat.",
        "error.unknown_agency": "Instansi ini tidak dapat Anda lihat.",
        "error.unknown_page": "Halaman ini tidak ada.",
        "error.csrf": "Formulir sudah kedaluwarsa atau tidak berasal dari halaman ini. "
                      "Muat ulang halaman lalu coba lagi.",
        "error.method": "Halaman ini tidak menerima cara permintaan tersebut.",
        "error.internal": "Kesalahan ini sudah dicatat. Sampaikan kode permintaan kepada "
                          "administrator hub.",
        "error.request_id": "Kode permintaan",
        "error.back": "Kembali ke pencarian",
    },
    "en": {
        "app.name": "Berpijar · Auditor pages",
        "app.short": "Berpijar Auditor",
        "skip": "Skip to content",
        "lang.label": "Language",
        "nav.label": "Main menu",
        "nav.search": "Search people",
        "nav.agency": "Agency dashboard",
        "nav.signed_in_as": "Signed in as {name}",
        "nav.sign_out": "Sign out",
        "footer": "Every read of a civil servant's data on these pages is recorded in the "
                  "access log.",
        "title.sign_in": "Auditor sign-in",
        "sign_in.intro": "Sign in with the auditor credential your hub administrator gave "
                         "you (key and secret).",
        "sign_in.key": "Credential key",
        "sign_in.secret": "Credential secret",
        "sign_in.submit": "Sign in",
        "sign_in.wrong": "The key or secret is wrong, or the credential has been revoked.",
        "sign_in.not_auditor": "This is not an auditor credential. Ask your hub "
                               "administrator for a credential with the auditor role.",
        "sign_in.missing": "Enter the credential key and secret.",
        "sign_in.throttled": "Too many failed sign-in attempts. Wait a few minutes, then "
                             "try again.",
        "notice.signed_out": "You have signed out.",
        "notice.session_ended": "Your session ended because the credential is no longer "
                                "valid. Sign in again with a valid credential.",
        "notice.expired": "Your session has expired. Please sign in again.",
        "notice.idle": "Your session ended after a period of inactivity. Please sign in "
                       "again.",
        "notice.sign_in_first": "Please sign in to open this page.",
        "title.search": "Search people",
        "search.intro": "Find civil servants by agency, unit, name and 20 JP compliance "
                        "in a year.",
        "search.year": "Year",
        "search.agency": "Agency",
        "search.agency_any": "All my agencies",
        "search.unit": "Unit",
        "search.name": "Name (part of it)",
        "search.compliance": "Compliance",
        "search.compliance_any": "Any",
        "search.submit": "Search",
        "search.nip": "NIP",
        "search.go": "Open transcript",
        "search.by_nip": "Open a transcript by NIP",
        "search.results": "Search results",
        "search.count": "{count} people shown",
        "search.none": "No one matches.",
        "search.next": "Next page",
        "search.first": "Back to the first page",
        "search.csv": "Download every match (CSV)",
        "search.limited": "Your credential is limited to these agencies: {agencies}.",
        "col.nip": "NIP",
        "col.name": "Name",
        "col.employee_type": "Employee type",
        "col.agency": "Agency",
        "col.unit": "Unit",
        "col.total_jp": "Total JP",
        "col.required_jp": "Required JP",
        "col.compliance": "Compliance",
        "col.activities": "Activities",
        "col.date": "Date",
        "col.activity": "Activity",
        "col.provider": "Provider",
        "col.platform": "Platform",
        "col.score": "Score",
        "col.jp": "JP",
        "col.competency": "Competency",
        "col.type": "Competency type",
        "col.level": "Level",
        "col.code": "Code",
        "col.highest_level": "Highest level",
        "col.evidence": "Evidence (xAPI statement ids)",
        "col.people": "People",
        "col.compliant": "Compliant",
        "col.bucket": "JP range",
        "type.teknis": "Technical",
        "type.manajerial": "Managerial",
        "type.sosial_kultural": "Socio-cultural",
        "type.unmapped": "Not mapped to a competency",
        "compliance.compliant": "Compliant",
        "compliance.non_compliant": "Not compliant",
        "compliance.unknown": "Unknown",
        "compliance.unknown_long": "The employee type is not known yet, so no JP are "
                                   "required.",
        "employee.unknown": "Not known yet",
        "none": "—",
        "title.transcript": "Transcript {year}: {name}",
        "transcript.heading": "Competency development transcript {year}",
        "transcript.person": "Civil servant",
        "transcript.summary": "Summary",
        "transcript.year": "Year",
        "transcript.show": "Show",
        "transcript.total": "Total JP",
        "transcript.required": "Required JP",
        "transcript.of_required": "{total} of {required} JP",
        "transcript.by_type": "JP by competency type",
        "transcript.competencies": "Competencies reached",
        "transcript.no_competencies": "No competency is mapped for this year yet.",
        "transcript.activities": "Learning activities",
        "transcript.no_activities": "No activity is recorded for this year yet.",
        "transcript.evidence_count": "{count} statements",
        "transcript.downloads": "Download",
        "transcript.csv": "Transcript (CSV)",
        "transcript.pdf": "Transcript (PDF)",
        "transcript.digest": "Transcript digest",
        "transcript.generated": "Generated {moment} WIB",
        "transcript.page": "Page {page}",
        "title.agency": "Agency dashboard",
        "title.agency_of": "{agency} dashboard {year}",
        "agency.intro": "The 20 JP compliance of one agency's civil servants in a year.",
        "agency.choose": "Choose an agency",
        "agency.show": "Show",
        "agency.people": "People",
        "agency.compliant": "Compliant",
        "agency.non_compliant": "Not compliant",
        "agency.unknown": "Employee type not known",
        "agency.total_jp": "Total JP",
        "agency.average_jp": "Average JP",
        "agency.empty": "No one is registered in this agency.",
        "agency.by_type": "JP by competency type",
        "agency.distribution": "People's JP against the {required} JP line",
        "agency.units": "By unit",
        "agency.under": "People under {required} JP",
        "agency.under_none": "Everyone with a requirement meets it.",
        "agency.downloads": "Download the report",
        "agency.csv": "People not compliant (CSV)",
        "agency.pdf": "Agency report (PDF)",
        "agency.more": "Next part of the list",
        "chart.data": "Chart data",
        "chart.by_type_title": "Bar chart of JP by competency type",
        "chart.by_type_desc": "Total JP by competency type: {items}.",
        "chart.distribution_title": "Histogram of people's JP with the {required} JP line",
        "chart.distribution_desc": "People per JP range: {items}. {under} people under "
                                   "{required} JP, {over} people at or above {required} JP.",
        "chart.distribution_plain": "People per JP range: {items}.",
        "chart.line": "{required} JP line",
        "chart.under": "Under the line",
        "chart.over": "At or above the line",
        "chart.people_axis": "People",
        "chart.jp_axis": "JP",
        "report.people_under": "People under the required JP",
        "title.error": "Something went wrong",
        "error.400": "The request cannot be processed",
        "error.404": "Not found",
        "error.403": "Access refused",
        "error.405": "Request method not supported",
        "error.500": "Server error",
        "error.bad_year": "The year is not valid. Use a year such as 2026 (1900-2200).",
        "error.bad_nip": "The NIP is not valid. A NIP has 18 digits, for example "
                         "19860926 201505 1 001.",
        "error.bad_choice": "The value of \"{field}\" is not one this page knows.",
        "error.bad_text": "\"{field}\" is not valid: 200 characters at most, no control "
                          "characters.",
        "error.unknown_parameter": "This page does not know the parameter \"{field}\".",
        "error.repeated_parameter": "The parameter \"{field}\" is given more than once.",
        "error.agency_required": "Choose an agency first.",
        "error.unknown_person": "There is no civil servant with NIP {nip} that you may see.",
        "error.unknown_agency": "You may not see this agency.",
        "error.unknown_page": "This page does not exist.",
        "error.csrf": "The form has expired or did not come from this page. Reload the "
                      "page and try again.",
        "error.method": "This page does not accept that request method.",
        "error.internal": "The error has been logged. Give the request code to your hub "
                          "administrator.",
        "error.request_id": "Request code",
        "error.back": "Back to the search",
    },
}

@dataclass(frozen=True)
class Texts:
    """Everything a page needs to speak one language: `t(key, **values)` and formats."""

    language: str

    def t(self, key: str, **values: object) -> str:
        return _translators[self.language](key, **values)

    def number(self, value: int | float | None) -> str:
        """1234.5 → "1.234,5" in Indonesian, "1,234.5" in English."""
        if value is None:
            return self.t("none")
        text = f"{value:,}"
        if self.language == "id":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def jp(self, centi: int | None) -> str:
        return self.number(jp(centi))

    def score(self, centi: int | None) -> str:
        return self.t("none") if centi is None else self.number(jp(centi)) + "%"

    def date(self, moment: datetime) -> str:
        local = moment.astimezone(JAKARTA)
        return f"{local.day} {i18n.MONTHS[self.language][local.month - 1]} {local.year}"

    def moment(self, moment: datetime) -> str:
        local = moment.astimezone(JAKARTA)
        return f"{self.date(local)} {local:%H:%M}"

    def competency_type(self, kind: str) -> str:
        return self.t(f"type.{kind}")

    def compliance(self, compliant: bool | None) -> str:
        return self.t(f"compliance.{compliance_key(compliant)}")

    def employee_type(self, kind: str | None) -> str:
        return kind or self.t("employee.unknown")


def compliance_key(compliant: bool | None) -> str:
    return {True: "compliant", False: "non_compliant", None: "unknown"}[compliant]


def nip_display(nip: str) -> str:
    """The usual grouped writing: 19860926 201505 1 001."""
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" if len(nip) == 18 else nip


_translators: dict[str, Callable[..., str]] = {
    language: i18n.translator(MESSAGES, language) for language in i18n.LANGUAGES}


def texts(language: str) -> Texts:
    return Texts(language if language in i18n.LANGUAGES else i18n.DEFAULT)
