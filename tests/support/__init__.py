"""What tests share: fakes of the cloud edge, a throw-away PostgreSQL, fixtures, harnesses and polling."""
