"""Monthly commission statements (佣金) with rent subsidy lines: computed, approved, released, queried."""
