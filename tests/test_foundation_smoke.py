def test_login_page_is_chinese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "登录" in page.get_data(as_text=True)
