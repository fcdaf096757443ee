"""Texts of the platform role's pages, Bahasa Indonesia first (as lti/i18n.py)."""

from __future__ import annotations

from collections.abc import Callable

MESSAGES: dict[str, dict[str, str]] = {
    "id": {
        "title.catalogue": "Katalog aktivitas mitra",
        "catalogue.hello": "Masuk sebagai {name}.",
        "catalogue.open": "Buka",
        "catalogue.none": "Belum ada aktivitas mitra.",
        "catalogue.jp": "{hours} JP",
        "title.launching": "Membuka aktivitas mitra…",
        "title.refused": "Permintaan ditolak",
        "refused.intro": "Berpijar tidak dapat melanjutkan permintaan ini.",
        "refused.reason": "Alasan",
        "refused.request_id": "Kode permintaan",
        "reason.tool_disabled": "Alat mitra ini sedang dinonaktifkan oleh admin Berpijar.",
        "reason.platform_disabled": "Pendaftaran LMS Anda sedang dinonaktifkan oleh admin "
                                    "Berpijar.",
        "title.deep_linked": "Aktivitas mitra ditambahkan",
        "deep_linked.added": "Aktivitas berikut kini ada di katalog:",
        "deep_linked.none": "Mitra tidak memilih aktivitas apa pun.",
        "deep_linked.partner": "Pesan dari mitra",
    },
    "en": {
        "title.catalogue": "Partner activity catalogue",
        "catalogue.hello": "Signed in as {name}.",
        "catalogue.open": "Open",
        "catalogue.none": "No partner activities yet.",
        "catalogue.jp": "{hours} JP",
        "title.launching": "Opening the partner activity…",
        "title.refused": "Request refused",
        "refused.intro": "Berpijar cannot go on with this request.",
        "refused.reason": "Reason",
        "refused.request_id": "Request code",
        "reason.tool_disabled": "This partner tool has been disabled by the Berpijar "
                                "administrator.",
        "reason.platform_disabled": "Your LMS's registration has been disabled by the "
                                    "Berpijar administrator.",
        "title.deep_linked": "Partner activities added",
        "deep_linked.added": "These activities are now in the catalogue:",
        "deep_linked.none": "The partner chose no activity.",
        "deep_linked.partner": "Message from the partner",
    },
}


def translator(language: str) -> Callable[..., str]:
    table = MESSAGES.get(language, MESSAGES["id"])

    def translate(key: str, **values: object) -> str:
        text = table.get(key) or MESSAGES["id"].get(key) or key
        return text.format(**values) if values else text

    return translate
