"""What tests share: fakes of the cloud edge (`fakes`), a throw-away PostgreSQL (`pg`), fixtures and polling."""
