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
