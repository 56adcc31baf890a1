"""``serve --demo`` also makes two satisfaction waves the yearly report can use, once."""

from __future__ import annotations

from sqlalchemy import func, select

from survey_engine.store.catalog import open_campaign
from survey_engine.store.models import Response
from survey_engine.web.demo import SATISFACTION_WAVES, prepare
from tests.reports.demo_store import CURRENT, PREVIOUS, demo_app


def test_demo_satisfaction_waves_are_made_once_with_their_design(tmp_path):
    """Both waves get their sites, design facts and responses; preparing again adds nothing."""
    app = demo_app(tmp_path)
    try:
        again = prepare(app, demo=True)
        assert again.satisfaction_responses == 0
        with app.extensions["survey_engine.db"].sessions() as session:
            for wave in SATISFACTION_WAVES:
                campaign = open_campaign(session, wave.slug)
                count = session.scalar(select(func.count()).select_from(Response)
                                       .where(Response.campaign_id == campaign.id))
                assert count == sum(wave.allocation)
                design = campaign.targets["design"]
                assert design["stratum"] == "site"
                assert set(design["strata"]) == {site.code for site in campaign.sites}
                assert all(entry["frame_size"] > 0 for entry in design["strata"].values())
            assert open_campaign(session, CURRENT).targets["design"]["previous_campaign"] == PREVIOUS
    finally:
        app.extensions["survey_engine.db"].engine.dispose()
