"""Every REST route, in one table."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.routing import BaseRoute

from cairn.api import (
    campaigns,
    exclusions,
    export,
    lists,
    metrics,
    people,
    privacy,
    rejected,
    search,
    segments,
    webhooks,
)
from cairn.api.call import RestApi
from cairn.api.ratelimit import Limit, TokenBuckets
from cairn.store import Store


def rest_routes(
    store: Store, limit: Limit, clock: Callable[[], float] = time.time
) -> list[BaseRoute]:
    api = RestApi(store, TokenBuckets(limit), clock)
    route = api.route
    return [
        # v1 metrics
        route("/api/v1/metrics", GET=metrics.list_metrics),
        route("/api/v1/metrics/timeline", GET=metrics.metrics_timeline),
        route("/api/v1/metric/{metric_id}/timeline", GET=metrics.metric_timeline),
        route("/api/v1/metric/{metric_id}/export", GET=export.export_metric),
        # v1 people
        route("/api/v1/person/{person_id}", GET=people.get_person, PUT=people.update_person),
        route("/api/v1/person/{person_id}/metrics/timeline", GET=people.person_timeline),
        route(
            "/api/v1/person/{person_id}/metric/{metric_id}/timeline",
            GET=people.person_metric_timeline,
        ),
        route(
            "/api/v1/people/exclusions",
            GET=exclusions.list_exclusions,
            POST=exclusions.add_exclusion,
        ),
        # v1 lists, segments, campaigns
        route("/api/v1/lists", GET=lists.v1_lists),
        route("/api/v1/list/{list_id}/exclusions", GET=lists.v1_list_exclusions),
        route("/api/v1/segment/{segment_id}/members", GET=segments.segment_members),
        route("/api/v1/campaigns", GET=campaigns.list_campaigns),
        route("/api/v1/campaign/{campaign_id}", GET=campaigns.get_campaign),
        route("/api/v1/campaign/{campaign_id}/recipients", GET=campaigns.get_campaign),
        # v2 lists
        route("/api/v2/lists", GET=lists.all_lists, POST=lists.create_list),
        route(
            "/api/v2/list/{list_id}",
            GET=lists.get_list,
            PUT=lists.rename_list,
            DELETE=lists.delete_list,
        ),
        route(
            "/api/v2/list/{list_id}/subscribe",
            GET=lists.subscribed,
            POST=lists.subscribe,
            DELETE=lists.unsubscribe,
        ),
        route(
            "/api/v2/list/{list_id}/members",
            GET=lists.members,
            POST=lists.add_members,
            DELETE=lists.remove_members,
        ),
        route("/api/v2/list/{list_id}/exclusions/all", GET=lists.exclusions_all),
        route("/api/v2/group/{group_id}/members/all", GET=segments.group_members_all),
        # v2 people and privacy
        route("/api/v2/people/search", GET=search.search_people),
        route("/api/v2/data-privacy/deletion-request", POST=privacy.request_deletion),
        # Cairn's own
        route("/api/v2/rejected", GET=rejected.list_rejected),
        route("/api/v2/segments", GET=segments.all_segments, POST=segments.create_segment),
        route(
            "/api/v2/segment/{segment_id}",
            GET=segments.get_segment,
            PUT=segments.update_segment,
            DELETE=segments.delete_segment,
        ),
        route("/api/v2/webhooks", GET=webhooks.all_webhooks, POST=webhooks.create_webhook),
        route(
            "/api/v2/webhook/{webhook_id}",
            GET=webhooks.get_webhook,
            DELETE=webhooks.delete_webhook,
        ),
    ]
