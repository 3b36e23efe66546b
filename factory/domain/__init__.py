"""Pure rules of the workshop: plain functions over plain data. No Flask, no SQLAlchemy or SQLModel,
no Babel, no clock: they return codes and numbers, and the words are chosen at the edge."""
