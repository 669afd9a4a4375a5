{#-
    Identity (README "Identity"): a jockey with a source id is that id (jockey_key = source:jockey_id), one row per
    key from the results, as before. Cards publish names only, so a jockey seen on a race card resolves by name
    (whitespace-collapsed, case-insensitive) to a result row of the same identity group (macro identity_group, the rule
    marts.race_cards uses) that was entered under that name -- the group's own source's row first, then the most
    recently active, then the lowest key. A card name with no such row becomes one new row per identity (group +
    name), keyed <source>:name:<lower name>, has_results false, until results with an id arrive.
-#}

{{ person_dimension('jockey') }}
