"""The practice's portal address and its QR code: what the office prints or puts on its
website, and what invitation texts link to."""
import io

import segno

from chairside import config

QR_SCALE = 8    # pixels per module: about 300 px for a short address, crisp when printed
QR_BORDER = 4   # the quiet zone the QR specification asks for


def public_base_url(request):
    """PUBLIC_BASE_URL (how patients reach the gateway, e.g. https://portal.example.com),
    else the address this request came to."""
    configured = config.env("PUBLIC_BASE_URL")
    return (configured or request.host_url).rstrip("/")


def portal_path(slug):
    return f"/p/{slug}/"


def portal_url(request, slug):
    return public_base_url(request) + portal_path(slug)


def qr_png_url(request, slug):
    return portal_url(request, slug) + "qr.png"


def qr_png(text):
    """A PNG of `text` as a QR code (error correction M: still readable when smudged)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return out.getvalue()


def qr_svg(text, title):
    """An inline SVG of `text` as a QR code, titled for screen readers. It has a viewBox and
    no fixed size, so CSS fits it to a phone's width (an otpauth address makes a code wider
    than 360 px at QR_SCALE)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", scale=QR_SCALE, border=QR_BORDER,
                                                 xmldecl=False, svgns=True, title=title, svgclass="qr",
                                                 lineclass=None, omitsize=True)
    return out.getvalue().decode("utf-8")
