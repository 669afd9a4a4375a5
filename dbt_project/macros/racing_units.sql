{#- Distance in metres from a value and its unit: 'm' metres, 'f' furlongs (201.168 m), 'y' yards (0.9144 m). -#}
{% macro distance_to_metres(distance, unit) -%}
    case lower(trim({{ unit }}))
        when 'm' then {{ distance }}
        when 'f' then {{ distance }} * 201.168
        when 'y' then {{ distance }} * 0.9144
    end
{%- endmacro %}


{#-
    Wet-track flag from the source's going word (lower case). US dirt: muddy, sloppy, wet fast, slow, sealed;
    turf/HK: yielding, soft, heavy and the mixed grades that contain them ("good to yielding", "yielding to soft").
    Null going stays null.
-#}
{% macro going_is_wet(going) -%}
    case
        when nullif(trim({{ going }}), '') is null then null
        else lower({{ going }}) ~ '(muddy|sloppy|wet|slow|sealed|yielding|soft|heavy)'
    end
{%- endmacro %}


{#-
    Sprint (< 8 f) or route (>= 8 f). Furlongs are rounded to 0.1 first, so a metric mile (1600 m = 7.95 f) counts as a
    route like 8 f. One definition for results and cards, so a card's band matches the band in horse_stats.
-#}
{% macro distance_band(furlongs) -%}
    case
        when round({{ furlongs }}, 1) < 8 then 'sprint'
        when round({{ furlongs }}, 1) >= 8 then 'route'
    end
{%- endmacro %}
