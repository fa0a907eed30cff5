"""Uses the client openapi-python-client generated from Vigie's OpenAPI document, as an
integrator would, against `vigie serve --demo` (see .ci/openapi-client.sh).

usage: openapi_client_check.py BASE_URL REFERRER_TOKEN REVIEWER_TOKEN PLATFORM (its id or slug)

Every call goes through the generated functions and models with `raise_on_unexpected_status`,
so an answer whose status the document does not list, or a body that does not parse into the
documented model, fails the check.
"""

import datetime
import sys
import uuid

from vigie_client import AuthenticatedClient
from vigie_client.api.banks import banks_list, banks_match_signals
from vigie_client.api.cases import cases_list
from vigie_client.api.submissions import submissions_create, submissions_show
from vigie_client.api.tokens import tokens_me
from vigie_client.models import (
    CaseSummary,
    MatchQuery,
    MatchQueryType,
    MatchRequest,
    MatchResponse,
    MeResponse,
    Problem,
    ReceiptResponse,
    RemovalOrderRequest,
    RemovalOrderRequestGroundsItem,
    RemovalOrderRequestKind,
    RemovalOrderRequestMemberState,
)
from vigie_client.api.cases.cases_list import CasesListMinPriority


def expect(condition, message):
    if not condition:
        print(f"openapi client check: {message}", file=sys.stderr)
        sys.exit(1)


def main():
    base_url, referrer_token, reviewer_token, platform = sys.argv[1:5]
    referrer = AuthenticatedClient(base_url=base_url, token=referrer_token, raise_on_unexpected_status=True)
    reviewer = AuthenticatedClient(base_url=base_url, token=reviewer_token, raise_on_unexpected_status=True)

    me = tokens_me.sync(client=referrer)
    expect(isinstance(me, MeResponse), f"GET /v1/me gave {me!r}")

    # A removal order built from the generated models, addressed to the demo platform.
    order = RemovalOrderRequest(
        kind=RemovalOrderRequestKind.REMOVAL_ORDER,
        issuing_authority="OFAC",
        member_state=RemovalOrderRequestMemberState.FR,
        reference=f"CLIENT-CHECK-{uuid.uuid4().hex[:8]}",
        issued_at=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5),
        urls=["https://video.example.net/watch?v=client-check"],
        grounds=[RemovalOrderRequestGroundsItem.A],
        statement_of_reasons="Generated-client check: a made-up order.",
        cross_border=False,
        redress="Tribunal administratif de Paris, within 48 hours",
        platform=platform,
    )
    receipt = submissions_create.sync(client=referrer, body=order)
    expect(isinstance(receipt, ReceiptResponse), f"POST /v1/submissions gave {receipt!r}")
    expect(receipt.priority == "urgent" and receipt.due_at is not None, f"receipt {receipt!r}")
    shown = submissions_show.sync(client=referrer, id=receipt.id)
    expect(getattr(shown, "id", None) == receipt.id, f"GET /v1/submissions/{{id}} gave {shown!r}")

    # Query parameters (they used to be declared as path parameters).
    cases = cases_list.sync(client=reviewer, limit=5, min_priority=CasesListMinPriority.HIGH, platform=platform)
    expect(isinstance(cases, list) and all(isinstance(case, CaseSummary) for case in cases), f"cases {cases!r}")
    expect(any(case.id == receipt.case_id for case in cases), "the order's case is not in the platform's queue")

    banks = banks_list.sync(client=reviewer)
    expect(isinstance(banks, list), f"GET /v1/banks gave {banks!r}")
    query = MatchQuery(type_=MatchQueryType.PDQ, value="f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
    matched = banks_match_signals.sync(client=reviewer, body=MatchRequest(queries=[query]))
    expect(isinstance(matched, MatchResponse) and len(matched.results) == 1, f"POST /v1/match gave {matched!r}")

    # A refused request comes back as the documented problem.
    refused = cases_list.sync_detailed(client=reviewer, limit=0)
    expect(refused.status_code == 400 and isinstance(refused.parsed, Problem), f"limit=0 gave {refused!r}")
    expect(refused.parsed.errors[0].field == "limit", f"problem {refused.parsed!r}")

    print(
        f"openapi client check: 7 calls through the generated client, all as documented "
        f"(order {receipt.id}, {len(cases)} cases, {len(banks)} banks)"
    )


if __name__ == "__main__":
    main()
