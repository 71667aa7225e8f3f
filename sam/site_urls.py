"""Home page, accounts (login, password), profile, language: the site-wide screens."""

urlpatterns = []
