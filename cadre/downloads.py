"""Files the app hands out (PDFs, workbooks, ZIPs): one way to name them in the response."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, filename: str, mimetype: str, *, inline: bool = False) -> Response:
    """A response that saves (or shows, `inline`) `data` under `filename`, Chinese names included.

    A plain HTTP download with a name: WeChat's browser ignores blob: links. Quotes,
    backslashes and slashes (a serial may hold "/") would break the header or the saved
    name, so they become "_". The files hold personal data: no shared cache keeps them.
    """
    filename = re.sub(r'["\\/\r\n]', "_", filename)
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'{disposition}; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}",
            "Cache-Control": "private, no-store",
        },
    )
