// The inputs of sendgrid-null-entry-vectors.json: `null` at the first,
// middle and last place of every array or object field of the two SendGrid
// actions, nested, and a few non-null controls. Outcomes are never written
// here: generate_null_vectors.mjs records what Segment's code does with them.

/** The field definitions served for GET /v3/marketing/field_definitions (as in sendgrid-action-vectors.json). */
export const FIELD_DEFINITIONS = {
  custom_fields: [
    { id: 'e1_N', name: 'Age', field_type: 'Number' },
    { id: 'e2_T', name: 'Source', field_type: 'Text' },
    { id: 'e3_D', name: 'Signup_Date', field_type: 'Date' },
    { id: 'w4_T', name: 'favorite_color', field_type: 'Text' },
    { id: 'e5_N', name: 'lifetime_value', field_type: 'Number' },
    { id: 'e6_T', name: 'Größe', field_type: 'Text' }
  ],
  reserved_fields: [
    { id: '_rf0_T', name: 'first_name', field_type: 'Text', read_only: false },
    { id: '_rf1_T', name: 'last_name', field_type: 'Text', read_only: false },
    { id: '_rf2_T', name: 'email', field_type: 'Text', read_only: false },
    { id: '_rf6_T', name: 'city', field_type: 'Text', read_only: false },
    { id: '_rf7_T', name: 'state_province_region', field_type: 'Text', read_only: false },
    { id: '_rf10_T', name: 'phone_number', field_type: 'Text', read_only: false },
    { id: '_rf21_D', name: 'created_at', field_type: 'Date', read_only: true }
  ],
  _metadata: { self: 'https://api.sendgrid.com/v3/marketing/field_definitions' }
}

// Every send field read from the same-named property (the mapping of the
// sendEmail cases of sendgrid-action-vectors.json).
const SEND_FIELDS = ['from', 'to', 'cc', 'bcc', 'headers', 'dynamic_template_data', 'template_id',
  'custom_args', 'reply_to', 'categories', 'ip_pool_name', 'group_id', 'send_at', 'domain']
const SEND_MAPPING = Object.fromEntries(SEND_FIELDS.map((f) => [f, { '@path': `$.properties.${f}` }]))

const FROM = { email: 'sender@example.com', name: 'Sender' }
const TO = { email: 'rcpt@example.com', name: 'Rcpt' }
const C1 = { email: 'c1@example.com', name: 'C1' }
const C2 = { email: 'c2@example.com' }
const C3 = { email: 'c3@example.com', name: 'C3' }
const B1 = { email: 'b1@example.com', name: 'B1' }

/** A sendEmail case: the minimal mail with `properties` changed. */
function send(name, properties, note) {
  const base = { from: FROM, to: TO, template_id: 'd-abc' }
  const event = { event: 'Send Email From Template', type: 'track', properties: { ...base, ...properties } }
  return { name, action: 'sendEmail', invocation: 'testAction', mapping: SEND_MAPPING, event, note }
}

const sendCases = [
  // cc / bcc: the item itself null, at each place, alone, and items with null members.
  send('sn_cc_null_first', { cc: [null, C1] }),
  send('sn_cc_null_middle', { cc: [C1, null, C2] }),
  send('sn_cc_null_last', { cc: [C1, null] }),
  send('sn_cc_only_null', { cc: [null] }),
  send('sn_cc_all_null', { cc: [null, null, null] }),
  send('sn_cc_item_email_null', { cc: [{ email: null, name: 'No Email' }, C2] }),
  send('sn_cc_item_email_and_name_null', { cc: [C1, { email: null, name: null }] }),
  send('sn_cc_item_name_null_middle', { cc: [C1, { email: 'c2@example.com', name: null }, C3] }),
  send('sn_cc_nested_array_with_null', { cc: [[null], C1] }),
  send('sn_cc_single_object_email_null', { cc: { email: null, name: 'Solo' } }),
  send('sn_cc_empty_string_item', { cc: ['', C1] }, 'not a null: the same removeEmptyValues rule drops "" items of an object-typed list'),
  send('sn_cc_control_no_null', { cc: [C1, C2, C3] }, 'control: no null'),
  send('sn_bcc_null_first', { bcc: [null, B1] }),
  send('sn_bcc_null_last', { bcc: [B1, C2, null] }),
  send('sn_bcc_item_email_null', { bcc: [B1, { email: null }] }),
  send('sn_cc_and_bcc_nulls', { cc: [null, C1, null], bcc: [null, B1] }),
  // categories: a null item at each place, alone, and inside a one-item array.
  send('sn_categories_null_first', { categories: [null, 'a'] }),
  send('sn_categories_null_middle', { categories: ['a', null, 'b'] }),
  send('sn_categories_null_last', { categories: ['a', null] }),
  send('sn_categories_only_null', { categories: [null] }),
  send('sn_categories_nested_one_item_null', { categories: ['a', [null]] }),
  send('sn_categories_control_no_null', { categories: ['a', 'b'] }, 'control: no null'),
  // headers and custom_args: null values at each place and nested.
  send('sn_headers_only_null', { headers: { 'X-A': null } }),
  send('sn_headers_null_first', { headers: { 'X-A': null, 'X-B': 'b' } }),
  send('sn_headers_null_last', { headers: { 'X-B': 'b', 'X-A': null } }),
  send('sn_headers_nested_null', { headers: { 'X-Obj': { k: null }, 'X-Arr': [null, 'x'], 'X-One': [null] } }),
  send('sn_headers_control_no_null', { headers: { 'X-A': 'a', 'X-N': 1 } }, 'control: no null'),
  send('sn_custom_args_only_null', { custom_args: { k: null } }),
  send('sn_custom_args_null_middle', { custom_args: { a: '1', k: null, b: '2' } }),
  send('sn_custom_args_nested_null', { custom_args: { arr: [null], obj: { n: null }, pair: ['x', null] } }),
  // dynamic_template_data: nulls at several depths, in arrays and objects.
  send('sn_dtd_only_null', { dynamic_template_data: { a: null } }),
  send('sn_dtd_nested_nulls', {
    dynamic_template_data: {
      a: null,
      b: [null, 1, null],
      c: { d: null, e: { f: null, g: [null, { h: null }] } },
      i: [[null], { j: null }, []],
      k: 'text'
    }
  }),
  send('sn_dtd_items_with_nulls', { dynamic_template_data: { items: [null, { sku: null, qty: 1 }, null] } }),
  send('sn_dtd_deep_null', { dynamic_template_data: { x: { y: { z: null } } } }),
  send('sn_dtd_control_no_null', { dynamic_template_data: { name: 'Ann', items: [{ sku: 'A1' }], n: 0 } }, 'control: no null'),
  // to / reply_to / from: null members and null objects.
  send('sn_to_email_null', { to: { email: null, name: 'Rcpt' } }),
  send('sn_to_email_and_name_null', { to: { email: null, name: null } }),
  send('sn_to_null', { to: null }),
  send('sn_to_array_null_first', { to: [null, TO] }),
  send('sn_reply_to_email_null', { reply_to: { email: null, name: 'Reply' } }),
  send('sn_reply_to_name_null', { reply_to: { email: 'reply@example.com', name: null } }),
  send('sn_reply_to_email_and_name_null', { reply_to: { email: null, name: null } }),
  send('sn_reply_to_null', { reply_to: null }),
  send('sn_from_name_null', { from: { email: 'sender@example.com', name: null } }),
  send('sn_from_email_null', { from: { email: null, name: 'Sender' } }),
  send('sn_from_null', { from: null })
]

// Upsert Contact: the default mapping plus customFields read whole from traits.custom.
const UPSERT_MAPPING = { customFields: { '@path': '$.traits.custom' } }

function upsert(name, traits, note) {
  const event = { type: 'identify', traits: { email: 'a@example.com', ...traits } }
  return { name, action: 'updateUserProfile', invocation: 'testAction', mapping: UPSERT_MAPPING, event, note }
}

function upsertBatch(name, traitsList, note) {
  const events = traitsList.map((traits, i) => ({
    type: 'identify',
    anonymousId: `anon-${i}`,
    traits: { email: `user${i}@example.com`, ...traits }
  }))
  return { name, action: 'updateUserProfile', invocation: 'testBatchAction', mapping: UPSERT_MAPPING, events, note }
}

const upsertCases = [
  upsert('un_custom_fields_only_null', { custom: { Age: null } }),
  upsert('un_custom_fields_null_first', { custom: { Age: null, Source: 'web' } }),
  upsert('un_custom_fields_null_middle', { custom: { Source: 'web', Age: null, favorite_color: 'red' } }),
  upsert('un_custom_fields_null_last', { custom: { Source: 'web', lifetime_value: null } }),
  upsert('un_custom_fields_all_null', { custom: { Age: null, e2_T: null } }),
  upsert('un_custom_fields_unknown_name_null', { custom: { plan: null } }),
  upsert('un_custom_fields_array_with_null', { custom: { Signup_Date: [null, '2024-01-01'], Source: [null] } }),
  upsert('un_custom_fields_object_with_null', { custom: { favorite_color: { a: null, b: [null, { c: null }] } } }),
  upsert('un_custom_fields_control_no_null', { custom: { Age: 30, Source: 'web' } }, 'control: no null'),
  upsert('un_first_name_one_item_array_null', { first_name: [null] }),
  upsert('un_first_name_array_with_null', { first_name: ['Ann', null] }),
  upsert('un_first_name_one_item_array_empty_string', { first_name: [''] }, 'not a null: pins the same AJV one-item-array coercion'),
  upsert('un_first_name_one_item_array_number', { first_name: [7] }, 'not a null: pins the same AJV one-item-array coercion'),
  upsertBatch('un_batch_custom_fields_nulls', [
    { custom: { Age: null, Source: 'a' } },
    { custom: { Source: null } },
    { custom: { favorite_color: [null], lifetime_value: { v: null } } }
  ]),
  upsertBatch('un_batch_unknown_null_custom_field', [{ custom: { Age: 1 } }, { custom: { plan: null } }]),
  upsertBatch('un_batch_first_name_arrays_with_null', [
    { first_name: [null] },
    { first_name: ['Ann', null] },
    { first_name: 'Bo', custom: { Age: null } }
  ])
]

export const cases = [...sendCases, ...upsertCases]
