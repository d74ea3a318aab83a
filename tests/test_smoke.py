def test_landing_page_invites_visitors_to_apply(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Apply now" in response.get_data(as_text=True)


def test_manager_signs_in_to_their_work(client, people):
    client.login("gd.manager@test.example")
    response = client.get("/", follow_redirects=True)
    assert "My work" in response.get_data(as_text=True)
