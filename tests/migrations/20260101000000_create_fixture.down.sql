DROP TABLE ev_fixture;
