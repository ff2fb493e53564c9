from cadre.models import Role
from tests.factories import login, make_cohort, make_user


def test_organizer_sees_their_cohort_on_home(client):
    organizer = make_user(Role.ORGANIZER)
    make_cohort(organizers=[organizer], name="青蓝接力")
    response = login(client, organizer.username)
    assert response.status_code == 200
    assert "青蓝接力" in response.get_data(as_text=True)
