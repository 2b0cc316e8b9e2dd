ALTER TABLE ev_fixture DROP COLUMN note;
