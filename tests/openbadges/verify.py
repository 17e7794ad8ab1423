"""Runs 1EdTech's Open Badges 2.0 validator (the `openbadges` package) on
one badge, offline: the Open Badges JSON-LD context is served from the
copy the validator package itself carries, never fetched from the network.

    verify.py URL RECIPIENT_EMAIL        -> prints the validator's JSON report
    verify.py FILE.png RECIPIENT_EMAIL   -> the same for a baked image
"""

import json
import sys

import requests

from openbadges import verify
from openbadges.verifier.openbadges_context import (
    OPENBADGES_CONTEXT_V2_DICT,
    OPENBADGES_CONTEXT_V2_URI,
)

PACKAGED = {
    OPENBADGES_CONTEXT_V2_URI: OPENBADGES_CONTEXT_V2_DICT,
}

_network_get = requests.Session.get


def _get(session, url, **kwargs):
    document = PACKAGED.get(url.rstrip("/"))
    if document is None:
        return _network_get(session, url, **kwargs)
    response = requests.models.Response()
    response.status_code = 200
    response.url = url
    response.headers["Content-Type"] = "application/ld+json"
    response._content = json.dumps(document).encode("utf-8")
    return response


requests.Session.get = _get


def main():
    url, email = sys.argv[1], sys.argv[2]
    if url.endswith(".png"):
        with open(url, "rb") as image:
            report = verify(image, recipient_profile={"email": email}, use_cache=False)
    else:
        report = verify(url, recipient_profile={"email": email}, use_cache=False)
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
