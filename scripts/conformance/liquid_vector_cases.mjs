// The inputs of tests/data/conformance/mapping-kit-liquid-vectors.json: `@liquid`
// templates and the payloads they render, grouped by what they pin. Each
// entry becomes one `transform({f: {'@liquid': template}}, input)` vector
// (or runs `mapping` as given). generate_liquid_vectors.mjs records what
// Segment's mapping-kit does with them.

const P = {
  properties: {
    n: 5, f: 2.345, neg: -2.5, big: 1e21, tiny: 5e-7, zero: 0, negzero: -0, half: 0.5,
    s: '  Hello World  ', name: 'zoë straße', html: '<p>a & b</p><script>x</script>',
    csv: 'a,b,,c,,', words: 'one two  three\tfour', num_s: '12.50', hex: '0x1A', empty: '',
    t: true, nil: null, arr: [3, 'b', null, [1, 2], { k: 'v' }], nums: [1, 2.5, '3', null, 'x'],
    obj: { a: 1, b: { c: 'deep' }, size: 'own size', first: 'own first' }, objs: [{ p: 2 }, { p: '3' }, { q: 1 }],
    date: '2024-02-29T13:05:09.123Z', date_only: '2024-01-02', unix: 1700000000, url: 'a b&c=d/é?',
    multi: 'l1\nl2\r\nl3', quote: 'say "hi" it\'s'
  },
  traits: { email: 'Ann@Example.com', plan: 'pro', age: 41, tags: ['x', 'y'] }
}

const t = (name, template, input = P) => ({ name, template, input })

export const cases = [
  // numbers: how they print, math filters, rounding
  t('numbers print as JS does', '{{ properties.n }}|{{ properties.f }}|{{ properties.big }}|{{ properties.tiny }}|{{ properties.negzero }}|{{ properties.half }}'),
  t('plus minus times', '{{ properties.n | plus: 0.1 }}|{{ properties.f | minus: 2 }}|{{ properties.n | times: 1.1 }}|{{ properties.num_s | plus: 1 }}|{{ properties.hex | plus: 0 }}'),
  t('math on text and null', '{{ properties.s | plus: 1 }}|{{ properties.nil | plus: 1 }}|{{ properties.missing | times: 3 }}|{{ properties.t | plus: 1 }}|{{ properties.arr | plus: 1 }}'),
  t('divided_by', '{{ 7 | divided_by: 2 }}|{{ 7 | divided_by: 2, true }}|{{ 1 | divided_by: 0 }}|{{ -1 | divided_by: 0 }}|{{ 0 | divided_by: 0 }}'),
  t('modulo', '{{ 7 | modulo: 3 }}|{{ -7 | modulo: 3 }}|{{ 7.5 | modulo: 2 }}|{{ 7 | modulo: 0 }}'),
  t('round', '{{ properties.f | round }}|{{ properties.f | round: 2 }}|{{ 1.005 | round: 2 }}|{{ properties.neg | round }}|{{ 2.5 | round }}|{{ 1234.5678 | round: -2 }}|{{ properties.big | round: 2 }}'),
  t('ceil floor abs', '{{ properties.f | ceil }}|{{ properties.neg | floor }}|{{ properties.neg | abs }}|{{ "-3.2" | abs }}|{{ properties.neg | ceil }}'),
  t('at_least at_most', '{{ properties.n | at_least: 10 }}|{{ properties.n | at_most: 3 }}|{{ properties.n | at_least: "x" }}|{{ properties.zero | at_most: properties.negzero }}'),
  t('to_integer', '{{ properties.num_s | to_integer }}|{{ "abc" | to_integer }}|{{ properties.nil | to_integer }}'),
  // text filters
  t('case filters', '{{ properties.name | upcase }}|{{ traits.email | downcase }}|{{ properties.name | capitalize }}|{{ "" | capitalize }}'),
  t('strip family', '[{{ properties.s | strip }}][{{ properties.s | lstrip }}][{{ properties.s | rstrip }}][{{ "xxhixx" | strip: "x" }}]'),
  t('replace family', '{{ properties.csv | replace: ",", ";" }}|{{ properties.csv | replace_first: ",", ";" }}|{{ properties.csv | replace_last: ",", ";" }}|{{ properties.csv | remove: "," }}|{{ properties.csv | remove_first: "," }}|{{ properties.csv | remove_last: "," }}'),
  t('replace with empty pattern', '{{ "abc" | replace: "", "-" }}|{{ "abc" | remove: "" }}'),
  t('append prepend', '{{ properties.name | append: "!" | prepend: "> " }}|{{ properties.n | append: properties.f }}|{{ properties.nil | append: "x" }}'),
  t('truncate', '{{ properties.s | truncate: 8 }}|{{ properties.s | truncate: 8, "" }}|{{ properties.s | truncate: 2 }}|{{ properties.s | truncate: 100 }}|{{ properties.n | truncate: 1 }}'),
  t('truncatewords', '{{ properties.words | truncatewords: 2 }}|{{ properties.words | truncatewords: 2, "~" }}|{{ properties.words | truncatewords: 10 }}|{{ properties.words | truncatewords: 0 }}'),
  t('split and join', '{{ properties.csv | split: "," | join: "|" }}|{{ properties.words | split: " " | join: "+" }}|{{ "abc" | split: "" | join: "." }}|{{ properties.csv | split: "," | size }}'),
  t('escape family', '{{ properties.html | escape }}|{{ "&amp; &lt; &#39; &x" | escape_once }}|{{ properties.quote | xml_escape }}'),
  t('strip_html strip_newlines', '{{ properties.html | strip_html }}|{{ properties.multi | strip_newlines }}'),
  t('squish normalize_whitespace', '[{{ properties.words | squish }}][{{ properties.s | normalize_whitespace }}]'),
  t('base64', '{{ properties.name | base64_encode }}|{{ "em/DqyBzdHJhw59l" | base64_decode }}|{{ " YW Jj " | base64_decode }}|{{ "YWI" | base64_decode }}'),
  t('base64_decode of what is not base64', '{{ "a" | base64_decode }}'),
  t('url filters', '{{ properties.url | url_encode }}|{{ "a+b%20c%2F" | url_decode }}|{{ "it\'s (x)*" | cgi_escape }}'),
  t('size', '{{ properties.s | size }}|{{ properties.arr | size }}|{{ properties.obj | size }}|{{ properties.n | size }}|{{ properties.nil | size }}|{{ properties.name.size }}'),
  t('slice', '{{ properties.name | slice: 1 }}|{{ properties.name | slice: 1, 4 }}|{{ properties.name | slice: -3, 2 }}|{{ properties.arr | slice: 1, 2 | join: "," }}'),
  // arrays, nulls, nested objects
  t('arrays print concatenated', '{{ properties.arr }}|{{ properties.nums }}|{{ traits.tags }}'),
  t('first last', '{{ properties.arr | first }}|{{ properties.arr | last }}|{{ properties.s | first }}|{{ properties.arr.first }}|{{ traits.tags.last }}|{{ properties.n | first }}'),
  t('push pop shift unshift', '{{ traits.tags | push: "z" | join: "," }}|{{ traits.tags | unshift: properties.arr | size }}|{{ properties.arr | pop | size }}|{{ properties.arr | shift | first }}|{{ properties.s | push: 1 | join: "+" }}|{{ properties.nil | pop | size }}'),
  t('where', '{{ properties.objs | where: "p" | size }}|{{ properties.objs | where: "p", 2 | size }}|{{ properties.objs | where: "p", "3" | first | json }}|{{ properties.arr | where: "k", "v" | size }}|{{ traits.tags | where: "size", 1 | join }}'),
  t('uri_escape', '{{ properties.url | uri_escape }}|{{ "a[1] b#c" | uri_escape }}'),
  t('compact sum', '{{ properties.arr | compact | size }}|{{ properties.nums | sum }}|{{ properties.objs | sum: "p" }}'),
  t('join with nulls and nested', '{{ properties.arr | join: "-" }}|{{ properties.arr | join }}'),
  t('objects', '{{ properties.obj }}|{{ properties.obj.b }}|{{ properties.obj.b.c }}|{{ properties.obj.size }}|{{ properties.obj.first }}|{{ properties.obj["a"] }}'),
  t('indexes', '{{ properties.arr[0] }}|{{ properties.arr[-1].k }}|{{ properties.arr[3][1] }}|{{ traits.tags[5] }}|{{ properties.name[0] }}'),
  t('nulls and missing', '[{{ properties.nil }}][{{ properties.missing }}][{{ nothing.at.all }}][{{ properties.nil.x }}]'),
  t('json', '{{ properties.obj | json }}|{{ properties.arr | json }}|{{ properties.s | json }}|{{ properties.missing | json }}|{{ properties.n | jsonify }}'),
  t('json with indentation', '{{ properties.obj | json: 2 }}|{{ properties.arr | jsonify: "--" }}|{{ properties.objs | inspect: 1 }}|{{ properties.nil | json: 4 }}|{{ traits.tags | json: 20 }}'),
  t('default', '{{ properties.missing | default: "d" }}|{{ properties.empty | default: "d" }}|{{ properties.zero | default: "d" }}|{{ properties.nil | default: "d" }}|{{ false | default: "d" }}|{{ false | default: "d", allow_false: true }}'),
  // conditions and truthiness
  t('truthiness', '{% if properties.zero %}0{% endif %}{% if properties.empty %}e{% endif %}{% if properties.nil %}n{% endif %}{% if properties.missing %}m{% endif %}{% if properties.arr %}a{% endif %}'),
  t('comparisons', '{% if properties.n > 3 %}a{% endif %}{% if properties.num_s > 3 %}b{% endif %}{% if "b" > "a" %}c{% endif %}{% if properties.n == 5.0 %}d{% endif %}{% if properties.num_s == 12.5 %}e{% endif %}'),
  t('empty blank nil', '{% if properties.empty == empty %}a{% endif %}{% if properties.s == blank %}b{% endif %}{% if "  " == blank %}c{% endif %}{% if properties.missing == nil %}d{% endif %}{% if properties.nil == null %}e{% endif %}{% if properties.arr == empty %}f{% endif %}'),
  t('contains', '{% if traits.tags contains "x" %}a{% endif %}{% if traits.email contains "@" %}b{% endif %}{% if properties.nums contains 1 %}c{% endif %}{% if properties.nums contains "1" %}d{% endif %}{% if properties.obj contains "a" %}e{% endif %}'),
  t('and or precedence', '{% if true or false and false %}a{% endif %}{% if false and true or true %}b{% endif %}{% if properties.n == 5 and traits.plan == "pro" %}c{% endif %}'),
  t('unless else', '{% unless traits.plan == "pro" %}free{% else %}paid{% endunless %}'),
  t('elsif chain', '{% if traits.age < 18 %}minor{% elsif traits.age < 65 %}adult{% else %}senior{% endif %}'),
  t('filters in conditions', '{% if traits.email | downcase == "ann@example.com" %}y{% else %}n{% endif %}'),
  // whitespace control, assign, capture, comments, raw
  t('whitespace control', 'a  {{- properties.n -}}  b\n{%- if true -%}\n  c\n{%- endif -%}\n d'),
  t('assign', '{% assign full = traits.email | split: "@" | first | capitalize %}{{ full }}/{{ full | size }}'),
  t('assign shadows payload', '{% assign traits = "x" %}{{ traits }}{{ traits.plan }}'),
  t('capture', '{% capture greeting %}Hi {{ traits.plan | upcase }}!{% endcapture %}{{ greeting }}{{ greeting | size }}'),
  t('comment raw inline comment', 'a{% comment %}{{ nope }}{% endcomment %}b{% raw %}{{ kept }}{% endraw %}c{% # note %}d'),
  t('echo', '{% echo traits.plan | append: "!" %}'),
  t('ranges', '{% assign r = (1..4) %}{{ r | join: "," }}|{{ (3..1) | size }}|{{ (1..properties.n) | last }}'),
  // dates (TZ=UTC)
  t('date formats', '{{ properties.date | date: "%Y-%m-%d %H:%M:%S.%L %z" }}|{{ properties.date | date: "%a %A %b %B %e %-d %j %p %I %l %y %C" }}|{{ properties.date | date: "%U %W %V %G %g %u %w %s %q %D %F %T %R %r" }}'),
  t('date from unix seconds and digit strings', '{{ properties.unix | date: "%F %T" }}|{{ "1700000000" | date: "%F" }}|{{ 0 | date: "%c" }}|{{ 1.5 | date: "%s %L" }}'),
  t('date padding flags', '{{ properties.date | date: "%-m/%-d %_H %010Y %^a %#B %:z %3N %N" }}'),
  t('date of other values', '[{{ properties.date_only | date: "%F %T" }}][{{ "hello" | date: "%F" }}][{{ properties.nil | date: "%F" }}][{{ properties.missing | date: "%F" }}][{{ "2024-02-30" | date: "%F" }}][{{ "2024-01-02T03:04:05+05:30" | date: "%F %T" }}]'),
  t('date default format and offsets', '{{ properties.date | date }}|{{ properties.date | date: nil }}|{{ properties.date | date: "%F %T %z %Z", 330 }}'),
  t('date_to filters', '{{ properties.date | date_to_xmlschema }}|{{ properties.date | date_to_rfc822 }}|{{ properties.date | date_to_string }}|{{ properties.date | date_to_long_string: "ordinal", "US" }}|{{ properties.date | date_to_string: "ordinal" }}'),
  // refused tags and filters, errors, limits
  ...['case', 'for', 'include', 'layout', 'render', 'tablerow'].map((tag) =>
    t(`tag ${tag} is disabled, also in an untaken branch`, `{% if false %}{% ${tag} x %}{% end${tag} %}{% endif %}ok`)),
  ...['concat', 'map', 'reverse', 'sort', 'uniq', 'where_exp', 'type', 'newline_to_br'].map((f) =>
    t(`filter ${f} is disabled`, `a{{ traits.tags | ${f} }}`)),
  t('disabled filter in an untaken branch', '{% if false %}{{ traits.tags | sort }}{% endif %}ok'),
  t('unknown tag', '{% frobnicate %}'),
  t('unclosed tag', '{% if true %}x'),
  t('unclosed output', 'x {{ traits.plan'),
  t('unknown filter passes the value', '{{ traits.plan | frobnicate: 1, 2 | upcase }}'),
  t('template of 1000 characters', '{{ traits.plan }}' + 'x'.repeat(1000 - 17)),
  t('template of 1001 characters', '{{ traits.plan }}' + 'x'.repeat(1001 - 17)),
  t('1000 UTF-16 units, 500 characters', '😀'.repeat(500)),
  t('memory limit: doubling assigns', '{% assign s = "xxxxxxxxxx" %}' + '{% assign s = s | append: s %}'.repeat(24) + '{{ s | size }}'),
  t('memory limit: a large range', '{% assign r = (1..100000001) %}{{ r | size }}'),
  t('a range just inside the memory limit', '{% assign r = (1..1000) %}{{ r | size }}'),
  // the payload a directive gives
  {
    name: '@liquid inside @transform sees the built payload',
    mapping: { f: { '@transform': { apply: { a: { '@path': '$.traits.plan' } }, mapping: { g: { '@liquid': '{{ a }}-{{ traits }}' } } } } },
    input: P
  },
  { name: '@liquid inside @arrayPath items', mapping: { f: { '@arrayPath': ['$.properties.objs', { v: { '@liquid': '{{ p | default: "none" }}' } }] } }, input: P },
  { name: 'three @liquid fields', mapping: { a: { '@liquid': '{{ traits.plan | upcase }}' }, b: { '@liquid': '{{ traits.age | plus: 1 }}' }, c: { '@liquid': '{% if traits.tags contains "x" %}x{% endif %}' } }, input: P }
]
