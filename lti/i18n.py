"""Texts of the LTI pages: Bahasa Indonesia first, English too (hub.i18n picks and
looks up).

The language is `?lang=` when given, else the launch's `launch_presentation.locale`,
else the browser's Accept-Language, else Indonesian.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from hub import i18n
from hub.i18n import DEFAULT, LANGUAGES, MONTHS

__all__ = ["DEFAULT", "LANGUAGES", "MESSAGES", "REASONS", "Formats", "pick_language",
           "reason_text", "translator"]

MESSAGES: dict[str, dict[str, str]] = {
    "id": {
        "title.error": "Peluncuran ditolak",
        "error.intro": "Berpijar tidak dapat menerima peluncuran dari LMS Anda.",
        "error.reason": "Alasan",
        "error.help": "Coba buka kembali aktivitas dari LMS. Jika berulang, sampaikan kode "
                      "permintaan ini kepada admin LMS Anda.",
        "error.request_id": "Kode permintaan",
        "cookies.blocked": "Peramban Anda memblokir cookie di dalam bingkai LMS.",
        "cookies.open": "Buka di jendela baru.",
        "cookies.loading": "Memuat…",
        "title.progress": "Kemajuan belajar saya",
        "title.course": "Kemajuan kelas",
        "progress.hello": "Selamat datang, {name}.",
        "progress.anonymous": "Selamat datang.",
        "progress.course": "Kelas",
        "progress.no_context": "Peluncuran ini tidak membawa kelas.",
        "progress.activity": "Aktivitas",
        "progress.score": "Nilai",
        "progress.completion": "Penyelesaian",
        "progress.sent": "Terkirim ke LMS",
        "progress.none": "Belum ada hasil.",
        "progress.completed": "Selesai",
        "progress.in_progress": "Sedang berjalan",
        "progress.pending": "Menunggu",
        "progress.failed": "Gagal",
        "progress.yes": "Ya",
        "progress.no": "Belum",
        "course.members": "Peserta",
        "course.name": "Nama",
        "course.roles": "Peran",
        "course.status": "Status",
        "course.launched": "Pernah membuka",
        "course.never": "Belum pernah membuka",
        "course.refresh": "Perbarui daftar peserta dari LMS",
        "course.roster_failed": "Daftar peserta dari LMS belum dapat dibaca.",
        "course.open_partner": "Buka aktivitas mitra sebagai pengajar",
        "course.no_context": "Peluncuran ini tidak membawa kelas, jadi tidak ada daftar "
                             "peserta.",
        "target.title": "Aktivitas mitra",
        "target.would_launch": "Aktivitas mitra berikut akan diluncurkan:",
        "target.pending": "Peluncuran ke mitra akan tersedia setelah peran platform aktif.",
        "title.deep_link": "Pilih aktivitas mitra",
        "deep_link.search": "Cari",
        "deep_link.query": "Kata kunci",
        "deep_link.choose": "Tambahkan ke kelas",
        "deep_link.graded": "Dinilai (maks. {maximum})",
        "deep_link.none": "Tidak ada aktivitas yang cocok.",
        "deep_link.sending": "Mengirim pilihan ke LMS…",
        "title.registered": "Pendaftaran selesai",
        "registered.done": "Berpijar telah terdaftar di {platform} (client id {client_id}).",
        "registered.close": "Jendela ini akan ditutup.",
        "title.register_error": "Pendaftaran gagal",
        "register_error.intro": "Berpijar tidak dapat didaftarkan di LMS Anda.",
        "register_error.help": "Minta tautan pendaftaran baru kepada operator Berpijar "
                               "(setiap tautan hanya berlaku sekali) lalu mulai lagi "
                               "pendaftaran dinamis dari LMS.",
        "year.title": "JP saya tahun {year}",
        "year.of_required": "{jp} dari {required} JP",
        "year.met": "Kewajiban {required} JP tahun ini sudah terpenuhi.",
        "year.remaining": "Masih kurang {remaining} JP untuk memenuhi {required} JP.",
        "year.rule": "Setiap ASN wajib mengikuti pengembangan kompetensi paling sedikit "
                     "{required} JP (jam pelajaran) per tahun.",
        "year.by_type": "Menurut jenis kompetensi",
        "type.teknis": "Teknis",
        "type.manajerial": "Manajerial",
        "type.sosial_kultural": "Sosial kultural",
        "type.unmapped": "Belum dipetakan ke kompetensi",
        "year.recent": "Terakhir dihitung",
        "year.recent_none": "Belum ada aktivitas yang dihitung tahun ini.",
        "year.jp": "{jp} JP",
        "nip.missing_title": "NIP Anda belum diketahui",
        "nip.missing": "LMS tidak mengirimkan NIP Anda, sehingga Berpijar belum dapat "
                       "menampilkan JP Anda.",
        "nip.invalid": "LMS mengirimkan NIP yang tidak berisi 18 angka, sehingga Berpijar "
                       "belum dapat menampilkan JP Anda.",
        "nip.unknown_person": "NIP Anda belum terdaftar di Berpijar.",
        "nip.ask_admin": "Mintalah admin LMS menambahkan parameter khusus (custom "
                         "parameter) {parameter} berisi NIP 18 angka Anda pada alat "
                         "Berpijar, yaitu {example}, dan mencatat NIP Anda di profil LMS "
                         "(ID number di Moodle, SIS ID di Canvas).",
        "year.unavailable": "Rekap JP belum tersedia di Berpijar ini.",
        "offers.title": "Aktivitas mitra yang dapat Anda buka",
        "offers.open": "Buka",
        "offers.new_window": "Aktivitas terbuka di tab baru.",
        "offers.none": "Belum ada aktivitas mitra di katalog.",
        "progress.results": "Nilai di kelas ini",
    },
    "en": {
        "title.error": "Launch refused",
        "error.intro": "Berpijar could not accept the launch from your LMS.",
        "error.reason": "Reason",
        "error.help": "Try opening the activity from your LMS again. If it keeps happening, "
                      "give this request code to your LMS administrator.",
        "error.request_id": "Request code",
        "cookies.blocked": "Your browser blocks cookies inside the LMS frame.",
        "cookies.open": "Open in a new window.",
        "cookies.loading": "Loading…",
        "title.progress": "My learning progress",
        "title.course": "Class progress",
        "progress.hello": "Welcome, {name}.",
        "progress.anonymous": "Welcome.",
        "progress.course": "Course",
        "progress.no_context": "This launch carries no course.",
        "progress.activity": "Activity",
        "progress.score": "Score",
        "progress.completion": "Completion",
        "progress.sent": "Sent to the LMS",
        "progress.none": "No results yet.",
        "progress.completed": "Completed",
        "progress.in_progress": "In progress",
        "progress.pending": "Waiting",
        "progress.failed": "Failed",
        "progress.yes": "Yes",
        "progress.no": "Not yet",
        "course.members": "Members",
        "course.name": "Name",
        "course.roles": "Roles",
        "course.status": "Status",
        "course.launched": "Has launched",
        "course.never": "Never launched",
        "course.refresh": "Refresh the class list from the LMS",
        "course.roster_failed": "The class list could not be read from the LMS yet.",
        "course.open_partner": "Open the partner activity as instructor",
        "course.no_context": "This launch carries no course, so there is no class list.",
        "target.title": "Partner activity",
        "target.would_launch": "This partner activity would be launched:",
        "target.pending": "Launching partners becomes available with the platform role.",
        "title.deep_link": "Choose a partner activity",
        "deep_link.search": "Search",
        "deep_link.query": "Keywords",
        "deep_link.choose": "Add to the course",
        "deep_link.graded": "Graded (max. {maximum})",
        "deep_link.none": "No activity matches.",
        "deep_link.sending": "Sending your choice to the LMS…",
        "title.registered": "Registration complete",
        "registered.done": "Berpijar is registered with {platform} (client id {client_id}).",
        "registered.close": "This window will close.",
        "title.register_error": "Registration failed",
        "register_error.intro": "Berpijar could not be registered with your LMS.",
        "register_error.help": "Ask the Berpijar operator for a new registration link (each "
                               "link works once) and start dynamic registration from the LMS "
                               "again.",
        "year.title": "My JP in {year}",
        "year.of_required": "{jp} of {required} JP",
        "year.met": "This year's {required} JP requirement is met.",
        "year.remaining": "{remaining} JP to go to reach {required} JP.",
        "year.rule": "Every civil servant takes at least {required} JP (lesson hours) of "
                     "competency development a year.",
        "year.by_type": "By competency type",
        "type.teknis": "Technical",
        "type.manajerial": "Managerial",
        "type.sosial_kultural": "Socio-cultural",
        "type.unmapped": "Not mapped to a competency yet",
        "year.recent": "Recently counted",
        "year.recent_none": "Nothing has been counted this year yet.",
        "year.jp": "{jp} JP",
        "nip.missing_title": "Your NIP is not known",
        "nip.missing": "Your LMS did not send your NIP, so Berpijar cannot show your JP "
                       "yet.",
        "nip.invalid": "Your LMS sent a NIP that is not 18 digits, so Berpijar cannot show "
                       "your JP yet.",
        "nip.unknown_person": "Your NIP is not registered with Berpijar yet.",
        "nip.ask_admin": "Ask your LMS administrator to add the custom parameter "
                         "{parameter} holding your 18-digit NIP to the Berpijar tool, that "
                         "is {example}, and to keep your NIP in your LMS profile (ID number "
                         "in Moodle, SIS ID in Canvas).",
        "year.unavailable": "JP summaries are not available on this Berpijar.",
        "offers.title": "Partner activities you may open",
        "offers.open": "Open",
        "offers.new_window": "Activities open in a new tab.",
        "offers.none": "The catalogue has no partner activities yet.",
        "progress.results": "Scores in this course",
    },
}

# Why a launch was refused, by reason code (lti.tool.validation.LaunchRejected).
REASONS: dict[str, dict[str, str]] = {
    "id": {
        "missing_id_token": "Permintaan tidak membawa id_token.",
        "malformed_jwt": "id_token bukan JWT yang sah.",
        "unsigned_or_symmetric": "id_token tidak ditandatangani dengan RS256.",
        "missing_kid": "id_token tidak menyebut kunci penandatangan (kid).",
        "unknown_kid": "Kunci penandatangan (kid) tidak dikenal oleh platform.",
        "bad_signature": "Tanda tangan id_token tidak sah.",
        "unknown_platform": "Platform (iss/client id) belum terdaftar di Berpijar.",
        "wrong_audience": "id_token tidak ditujukan untuk Berpijar (aud/azp).",
        "expired": "id_token sudah kedaluwarsa.",
        "issued_in_future": "id_token diterbitkan di masa depan.",
        "lifetime_too_long": "Masa berlaku id_token lebih dari satu jam (exp - iat).",
        "missing_claim": "id_token tidak memuat klaim wajib.",
        "state_mismatch": "Sesi peluncuran tidak cocok (state).",
        "nonce_replayed": "id_token ini sudah pernah dipakai.",
        "unknown_deployment": "Deployment ini belum terdaftar di Berpijar.",
        "not_lti_message": "JWT ini bukan pesan LTI.",
        "missing_message_type": "id_token tidak memuat message_type.",
        "unsupported_message_type": "Jenis pesan LTI ini tidak didukung.",
        "wrong_version": "Versi LTI bukan 1.3.0.",
        "missing_version": "id_token tidak memuat versi LTI.",
        "unknown_activity": "Tautan ini tidak meluncurkan aktivitas mitra.",
        "missing_roles": "id_token tidak memuat klaim roles.",
        "missing_deployment_id": "id_token tidak memuat deployment_id.",
        "missing_resource_link_id": "id_token tidak memuat resource link id.",
        "missing_sub": "id_token tidak memuat pengguna (sub).",
        "bad_deep_linking_settings": "Pengaturan deep linking tidak lengkap.",
        "launch_expired": "Sesi peluncuran sudah berakhir; buka kembali dari LMS.",
        "platform_unreachable": "Kunci platform tidak dapat diambil.",
        "bad_login": "Permintaan login dari LMS tidak lengkap (iss, login_hint).",
        "platform_disabled": "Pendaftaran LMS ini sedang dinonaktifkan oleh admin Berpijar.",
    },
    "en": {
        "missing_id_token": "The request carries no id_token.",
        "malformed_jwt": "The id_token is not a valid JWT.",
        "unsigned_or_symmetric": "The id_token is not signed with RS256.",
        "missing_kid": "The id_token names no signing key (kid).",
        "unknown_kid": "The platform does not publish the signing key (kid).",
        "bad_signature": "The id_token signature is not valid.",
        "unknown_platform": "The platform (iss/client id) is not registered with Berpijar.",
        "wrong_audience": "The id_token is not meant for Berpijar (aud/azp).",
        "expired": "The id_token has expired.",
        "issued_in_future": "The id_token was issued in the future.",
        "lifetime_too_long": "The id_token claims to be valid for more than an hour (exp - iat).",
        "missing_claim": "The id_token lacks a required claim.",
        "state_mismatch": "The launch session does not match (state).",
        "nonce_replayed": "This id_token has already been used.",
        "unknown_deployment": "This deployment is not registered with Berpijar.",
        "not_lti_message": "This JWT is not an LTI message.",
        "missing_message_type": "The id_token lacks message_type.",
        "unsupported_message_type": "This LTI message type is not supported.",
        "wrong_version": "The LTI version is not 1.3.0.",
        "missing_version": "The id_token lacks the LTI version claim.",
        "unknown_activity": "This link launches no partner activity.",
        "missing_roles": "The id_token lacks the roles claim.",
        "missing_deployment_id": "The id_token lacks deployment_id.",
        "missing_resource_link_id": "The id_token lacks the resource link id.",
        "missing_sub": "The id_token names no user (sub).",
        "bad_deep_linking_settings": "The deep linking settings are incomplete.",
        "launch_expired": "The launch session has ended; open the activity from the LMS again.",
        "platform_unreachable": "The platform's keys could not be fetched.",
        "bad_login": "The LMS login request is incomplete (iss, login_hint).",
        "platform_disabled": "This LMS's registration has been disabled by the Berpijar "
                             "administrator.",
    },
}


def pick_language(locale: str | None = None) -> str:
    return i18n.pick_language(locale)


def translator(language: str) -> Callable[..., str]:
    return i18n.translator(MESSAGES, language)


def reason_text(code: str, language: str) -> str:
    return REASONS.get(language, REASONS[DEFAULT]).get(code) or REASONS["en"].get(code, code)


@dataclass(frozen=True)
class Formats:
    """Numbers and dates as each language writes them: 12,5 JP and 4 Desember 2026 in
    Indonesian, 12.5 JP and 4 December 2026 in English."""

    language: str

    def jp(self, centi: int) -> str:
        """centi-JP: 1250 → "12,5" (id) / "12.5" (en); 2000 → "20"; 333 → "3,33"."""
        text = f"{centi // 100:,}" if centi % 100 == 0 else f"{centi / 100:,.2f}".rstrip("0")
        if self.language == "id":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def date(self, day: date) -> str:
        months = MONTHS.get(self.language, MONTHS[DEFAULT])
        return f"{day.day} {months[day.month - 1]} {day.year}"
