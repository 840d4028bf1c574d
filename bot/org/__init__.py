"""Organisation: street → community → grid → building, departments, staff and residents."""
