"""What a person reviews and does: the change report and its pull request, a manual review that
pins a fact, the agreement between sources, and billed usage held against the catalog."""
