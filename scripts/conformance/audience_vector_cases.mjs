// The inputs of sendgrid-audiences-vectors.json: Segment's "SendGrid Lists
// (Actions)" destination (sendgrid-audiences), action syncAudience and the
// destination's createAudience / getAudience. Outcomes are never written here:
// generate_audience_vectors.mjs records what Segment's code does with them.
//
// Each case gives the invocation, the events (or the audience input), an
// optional mapping (merged over the action's defaults, as testAction does with
// useDefaultMappings) and the state of the harness's SendGrid server:
// `lists` (GET /v3/marketing/lists), `contacts` (what the search finds) and
// `server_replies` (fixed replies for one route, see the generator).

export const LIST_ID = 'a1b2c3d4-0000-4000-8000-000000000001'
export const AUDIENCE_KEY = 'vip_customers'

/** A contact id of SendGrid's shape (a UUID), fixed by `n`. */
export const contactId = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

const PERSONAS = { computation_class: 'audience', computation_key: AUDIENCE_KEY, external_audience_id: LIST_ID }

/**
 * An Engage audience identify event: `traits[AUDIENCE_KEY]` is the membership.
 * `properties: undefined` keeps createTestEvent from adding `properties: {}`,
 * which the default traits_or_props mapping would pick instead of the traits.
 */
export function identify(traits, { member = true, noKey = false, personas = {}, extra = {} } = {}) {
  const t = { ...traits }
  if (!noKey) t[AUDIENCE_KEY] = member
  return {
    type: 'identify',
    userId: 'user1234',
    traits: t,
    properties: undefined,
    context: { personas: { ...PERSONAS, ...personas } },
    ...extra
  }
}

/** An Engage audience track event ("Audience Entered" / "Audience Exited"): `properties[AUDIENCE_KEY]`. */
export function track(email, { member = true, properties = {} } = {}) {
  return {
    type: 'track',
    event: member ? 'Audience Entered' : 'Audience Exited',
    userId: 'user1234',
    properties: { audience_key: AUDIENCE_KEY, [AUDIENCE_KEY]: member, ...properties },
    context: { traits: { email }, personas: PERSONAS }
  }
}

/** Contacts the server's search finds: `[{email?, external_id?, …}]` get ids contactId(start), contactId(start+1), … */
export const contacts = (list, start = 1) => list.map((c, i) => ({ id: contactId(start + i), ...c }))

const ALL_IDS_MAPPING = {
  identifiers: {
    email: { '@path': '$.traits.email' },
    anonymous_id: { '@path': '$.anonymousId' },
    external_id: { '@path': '$.userId' },
    phone_number_id: { '@path': '$.traits.phone_id' }
  }
}
const only = (key, path) => ({ identifiers: { [key]: { '@path': path } } })
const CUSTOM_MAPPING = {
  custom_text_fields: { '@path': '$.traits.text' },
  custom_number_fields: { '@path': '$.traits.number' },
  custom_date_fields: { '@path': '$.traits.date' }
}
const FULL_ATTRIBUTES = {
  email: 'ann@example.com',
  first_name: 'Ann',
  last_name: 'Lee',
  phone: '+14155550100',
  street: '1 Main St',
  address_line_2: 'Apt 2',
  city: 'Springfield',
  state: 'IL',
  country: 'US',
  postal_code: '62701'
}
const emails = (n, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}@example.com`)
/** SendGrid's 400 for invalid emails: `[[index in the PUT, email], …]`. */
const invalidEmailReply = (...bad) => ({
  status: 400,
  body: { errors: bad.map(([i, email]) => ({ field: `contacts[${i}].email`, message: `email '${email}' is not valid` })) }
})

const single = (name, event, extra = {}) => ({ name, invocation: 'testAction', event, ...extra })
const batch = (name, events, extra = {}) => ({ name, invocation: 'testBatchAction', events, ...extra })

// ---------------------------------------------------------------- single events
const singleCases = [
  single('sa_add_identify_email', identify({ email: 'ann@example.com' })),
  single('sa_add_track_email', track('ann@example.com'), { note: 'track: membership read from properties, email from context.traits (default mapping)' }),
  single('sa_add_user_attributes_all', identify(FULL_ATTRIBUTES)),
  single('sa_add_user_attributes_postal_code_number', identify({ email: 'ann@example.com', postal_code: 62701 }), { note: 'AJV coerces the number to a string' }),
  single('sa_add_email_mixed_case', identify({ email: 'Ann.Lee@Example.COM' })),
  single('sa_remove_identify_email_found', identify({ email: 'ann@example.com' }, { member: false }), { contacts: contacts([{ email: 'ann@example.com' }]) }),
  single('sa_remove_identify_email_not_found', identify({ email: 'ann@example.com' }, { member: false }), { note: 'the search finds nothing: no DELETE, no error' }),
  single('sa_remove_track_email_found', track('ann@example.com', { member: false }), { contacts: contacts([{ email: 'ann@example.com' }]) }),
  single('sa_membership_key_absent_is_remove', identify({ email: 'ann@example.com' }, { noKey: true }), { contacts: contacts([{ email: 'ann@example.com' }]) }),
  single('sa_membership_string_true_is_remove', identify({ email: 'ann@example.com' }, { member: 'true' }), { contacts: contacts([{ email: 'ann@example.com' }]) }),
  single('sa_membership_number_1_is_remove', identify({ email: 'ann@example.com' }, { member: 1 }), { contacts: contacts([{ email: 'ann@example.com' }]) }),
  single('sa_identify_with_empty_properties_is_remove', identify({ email: 'ann@example.com' }, { extra: { properties: {} } }), {
    contacts: contacts([{ email: 'ann@example.com' }]),
    note: 'traits_or_props takes $.properties when it exists, even {}: the audience key is then absent'
  }),
  single('sa_journey_step_add', identify({ email: 'ann@example.com' }, { personas: { computation_class: 'journey_step' } })),
  single('sa_computation_class_other_still_sent', identify({ email: 'ann@example.com' }, { personas: { computation_class: 'computed_trait' } }), {
    note: 'the field lists choices but the schema does not enforce them; Segment filters such events upstream'
  }),
  // identifier types
  single('sa_add_anonymous_id_only', identify({}), { mapping: only('anonymous_id', '$.anonymousId') }),
  single('sa_add_external_id_only', identify({}), { mapping: only('external_id', '$.userId') }),
  single('sa_add_phone_number_id_only', identify({ phone_id: '+14155550100' }), { mapping: only('phone_number_id', '$.traits.phone_id') }),
  single('sa_add_all_identifiers', identify({ email: 'ann@example.com', phone_id: '+14155550100' }), { mapping: ALL_IDS_MAPPING }),
  single('sa_remove_anonymous_id_only', identify({}, { member: false }), { mapping: only('anonymous_id', '$.anonymousId'), contacts: contacts([{ anonymous_id: 'anonId1234' }]) }),
  single('sa_remove_external_id_only', identify({}, { member: false }), { mapping: only('external_id', '$.userId'), contacts: contacts([{ external_id: 'user1234' }]) }),
  single('sa_remove_phone_number_id_only', identify({ phone_id: '+14155550100' }, { member: false }), {
    mapping: only('phone_number_id', '$.traits.phone_id'),
    contacts: contacts([{ phone_number_id: '+14155550100' }])
  }),
  single('sa_remove_all_identifiers_two_contacts', identify({ email: 'ann@example.com', phone_id: '+14155550100' }, { member: false }), {
    mapping: ALL_IDS_MAPPING,
    contacts: contacts([{ email: 'ann@example.com', external_id: 'user1234' }, { anonymous_id: 'anonId1234' }]),
    note: 'one OR query over the four identifier types; every contact it finds leaves the list'
  }),
  // validation
  single('sa_invalid_email', identify({ email: 'not-an-email' })),
  single('sa_invalid_email_remove', identify({ email: 'not-an-email' }, { member: false })),
  single('sa_empty_email_no_other_identifier', identify({ email: '' })),
  single('sa_missing_identifiers', identify({ first_name: 'Ann' })),
  single('sa_identifiers_mapped_but_absent', identify({ first_name: 'Ann' }, { extra: { userId: undefined, anonymousId: undefined } }), { mapping: ALL_IDS_MAPPING }),
  single('sa_phone_id_no_plus', identify({ phone_id: '14155550100' }), { mapping: only('phone_number_id', '$.traits.phone_id') }),
  single('sa_phone_id_leading_zero', identify({ phone_id: '+04155550100' }), { mapping: only('phone_number_id', '$.traits.phone_id') }),
  single('sa_phone_id_with_spaces', identify({ phone_id: '+1 415 555 0100' }), { mapping: only('phone_number_id', '$.traits.phone_id') }),
  single('sa_phone_id_too_long', identify({ phone_id: '+1234567890123456' }), { mapping: only('phone_number_id', '$.traits.phone_id') }),
  single('sa_phone_id_max_length', identify({ phone_id: '+123456789012345' }), { mapping: only('phone_number_id', '$.traits.phone_id') }),
  single('sa_phone_id_too_short', identify({ phone_id: '+1' }), { mapping: only('phone_number_id', '$.traits.phone_id') }),
  single('sa_phone_id_invalid_remove', identify({ phone_id: '555-0100' }, { member: false }), { mapping: only('phone_number_id', '$.traits.phone_id') }),
  single('sa_phone_id_invalid_with_valid_email', identify({ email: 'ann@example.com', phone_id: '0100' }), { mapping: ALL_IDS_MAPPING }),
  single('sa_user_phone_number_invalid', identify({ email: 'ann@example.com', phone: '(415) 555-0100' })),
  single('sa_user_phone_number_valid', identify({ email: 'ann@example.com', phone: '+442071838750' })),
  single('sa_missing_external_audience_id', identify({ email: 'ann@example.com' }, { personas: { external_audience_id: undefined } })),
  single('sa_missing_computation_key', identify({ email: 'ann@example.com' }, { personas: { computation_key: undefined } })),
  // custom fields
  single('sa_custom_fields_all_types', identify({ email: 'ann@example.com', text: { plan: 'gold', Source: 'ads' }, number: { Age: 42, lifetime_value: 12.5 }, date: { Signup_Date: '2024-03-05' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_date_iso_utc_evening', identify({ email: 'ann@example.com', date: { d: '2024-03-05T23:30:00Z' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_date_iso_offset', identify({ email: 'ann@example.com', date: { d: '2024-03-05T23:30:00-05:00' } }), { mapping: CUSTOM_MAPPING, note: 'converted in the machine timezone (UTC here): the next day' }),
  single('sa_custom_date_ms', identify({ email: 'ann@example.com', date: { d: '2024-12-31T00:00:00.000Z' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_date_us_text', identify({ email: 'ann@example.com', date: { d: 'March 5, 2024' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_date_slashes', identify({ email: 'ann@example.com', date: { d: '03/05/2024' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_date_year_only', identify({ email: 'ann@example.com', date: { d: '2024' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_date_invalid_text', identify({ email: 'ann@example.com', date: { d: 'not a date' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_date_invalid_month', identify({ email: 'ann@example.com', date: { d: '2024-13-01' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_date_number', identify({ email: 'ann@example.com', date: { d: 1709596800000 } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_text_number_value', identify({ email: 'ann@example.com', text: { plan: 42 } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_text_boolean_value', identify({ email: 'ann@example.com', text: { plan: true } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_text_null_value', identify({ email: 'ann@example.com', text: { plan: null } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_text_empty_string', identify({ email: 'ann@example.com', text: { plan: '' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_number_string_value', identify({ email: 'ann@example.com', number: { Age: '42' } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_number_object_value', identify({ email: 'ann@example.com', number: { Age: { v: 1 } } }), { mapping: CUSTOM_MAPPING }),
  single('sa_custom_same_name_text_and_number', identify({ email: 'ann@example.com', text: { x: 'a' }, number: { x: 1 } }), { mapping: CUSTOM_MAPPING, note: 'spread order text, number, date: the later wins' }),
  single('sa_custom_fields_on_remove', identify({ email: 'ann@example.com', text: { plan: 'gold' } }, { member: false }), { mapping: CUSTOM_MAPPING, contacts: contacts([{ email: 'ann@example.com' }]) }),
  single('sa_custom_fields_empty_objects', identify({ email: 'ann@example.com', text: {}, number: {}, date: {} }), { mapping: CUSTOM_MAPPING }),
  // server replies
  single('sa_remove_email_with_apostrophe', identify({ email: "o'brien@example.com" }, { member: false }), {
    contacts: contacts([{ email: "o'brien@example.com" }]),
    note: "values are quoted with ' and not escaped; the harness server rejects the broken query with 400, as SendGrid does"
  }),
  single('sa_upsert_400_invalid_email', identify({ email: 'ann@example.com' }), { server_replies: { 'PUT /v3/marketing/contacts': invalidEmailReply([0, 'ann@example.com']) } }),
  single('sa_upsert_400_other_message', identify({ email: 'ann@example.com' }), { server_replies: { 'PUT /v3/marketing/contacts': { status: 400, body: { errors: [{ field: 'list_ids', message: 'list id not found' }] } } } }),
  single('sa_upsert_500', identify({ email: 'ann@example.com' }), { server_replies: { 'PUT /v3/marketing/contacts': { status: 500, body: { errors: [{ message: 'internal' }] } } } }),
  single('sa_upsert_429', identify({ email: 'ann@example.com' }), { server_replies: { 'PUT /v3/marketing/contacts': { status: 429, body: { errors: [{ message: 'too many requests' }] } } } }),
  single('sa_remove_upsert_500', identify({ email: 'ann@example.com' }, { member: false }), {
    contacts: contacts([{ email: 'ann@example.com' }]),
    server_replies: { 'PUT /v3/marketing/contacts': { status: 500, body: { errors: [{ message: 'internal' }] } } }
  }),
  single('sa_remove_search_500', identify({ email: 'ann@example.com' }, { member: false }), {
    contacts: contacts([{ email: 'ann@example.com' }]),
    server_replies: { 'POST /v3/marketing/contacts/search': { status: 500, body: { errors: [{ message: 'internal' }] } } }
  }),
  single('sa_remove_delete_404', identify({ email: 'ann@example.com' }, { member: false }), {
    contacts: contacts([{ email: 'ann@example.com' }]),
    server_replies: { 'DELETE /v3/marketing/lists/{id}/contacts': { status: 404, body: { errors: [{ field: 'list_id', message: 'list not found' }] } } }
  })
]

// ---------------------------------------------------------------- batches
const many = (list, opts) => list.map((email) => identify({ email }, opts))
const batchCases = [
  batch('sb_add_three', many(emails(3))),
  batch('sb_remove_three_found', many(emails(3), { member: false }), { contacts: contacts(emails(3).map((email) => ({ email }))) }),
  batch('sb_remove_three_one_not_found', many(emails(3), { member: false }), { contacts: contacts(emails(2).map((email) => ({ email }))) }),
  batch('sb_mixed_add_remove', [
    identify({ email: 'in1@example.com' }),
    identify({ email: 'out1@example.com' }, { member: false }),
    identify({ email: 'in2@example.com', first_name: 'Bo' }),
    identify({ email: 'out2@example.com' }, { member: false }),
    track('in3@example.com'),
    track('out3@example.com', { member: false })
  ], { contacts: contacts([{ email: 'out1@example.com' }, { email: 'out2@example.com' }, { email: 'out3@example.com' }]) }),
  batch('sb_mixed_identifier_types', [
    identify({ email: 'a@example.com', phone_id: '+14155550101' }),
    identify({ phone_id: '+14155550102' }, { member: false, extra: { userId: 'ext-2', anonymousId: 'anon-2' } }),
    identify({}, { member: false, extra: { userId: 'ext-3', anonymousId: undefined } }),
    identify({}, { extra: { userId: undefined, anonymousId: 'anon-4' } })
  ], { mapping: ALL_IDS_MAPPING, contacts: contacts([{ phone_number_id: '+14155550102', external_id: 'ext-2' }, { external_id: 'ext-3' }]) }),
  batch('sb_invalid_email_one', [identify({ email: 'a@example.com' }), identify({ email: 'bad-email' }), identify({ email: 'c@example.com' })]),
  batch('sb_invalid_phone_one', [
    identify({ email: 'a@example.com', phone_id: '+14155550101' }),
    identify({ email: 'b@example.com', phone_id: '4155550102' }),
    identify({ email: 'c@example.com', phone_id: '+14155550103' }, { member: false })
  ], { mapping: only('phone_number_id', '$.traits.phone_id'), contacts: contacts([{ phone_number_id: '+14155550103' }]) }),
  batch('sb_missing_identifier_one', [identify({ email: 'a@example.com' }), identify({ first_name: 'NoEmail' }), identify({ email: 'c@example.com' }, { member: false })], {
    contacts: contacts([{ email: 'c@example.com' }])
  }),
  batch('sb_custom_field_errors_mixed', [
    identify({ email: 'a@example.com', text: { plan: 'gold' }, number: { Age: 30 }, date: { Signup_Date: '2024-01-02' } }),
    identify({ email: 'b@example.com', text: { plan: 7 } }),
    identify({ email: 'c@example.com', number: { Age: 'thirty' } }),
    identify({ email: 'd@example.com', date: { Signup_Date: 'someday' } }),
    identify({ email: 'e@example.com', date: { Signup_Date: '2024-02-29T12:00:00Z' } }, { member: false })
  ], { mapping: CUSTOM_MAPPING, contacts: contacts([{ email: 'e@example.com' }]) }),
  batch('sb_upsert_400_invalid_emails', [identify({ email: 'a@example.com' }), identify({ email: 'b@example.com' }), identify({ email: 'c@example.com' }), identify({ email: 'd@example.com' }, { member: false })], {
    contacts: contacts([{ email: 'd@example.com' }]),
    server_replies: { 'PUT /v3/marketing/contacts': invalidEmailReply([1, 'b@example.com']) },
    note: 'the reply fixture answers every PUT, the removals\' one (list_ids []) too'
  }),
  batch('sb_upsert_400_overwrites_validation_error', [
    identify({ email: 'a@example.com', phone_id: '+14155550101' }),
    identify({ email: 'b@example.com', phone_id: '555' }),
    identify({ email: 'c@example.com', phone_id: '+14155550103' })
  ], {
    mapping: ALL_IDS_MAPPING,
    server_replies: { 'PUT /v3/marketing/contacts': invalidEmailReply([0, 'a@example.com']) },
    note: 'b failed validation and was not sent, yet the PUT error handler assigns it the 429 too'
  }),
  batch('sb_search_500_overwrites_validation_error', [
    identify({ email: 'a@example.com', phone_id: '+14155550101' }, { member: false }),
    identify({ email: 'b@example.com', phone_id: '555' }, { member: false })
  ], {
    mapping: ALL_IDS_MAPPING,
    contacts: contacts([{ email: 'a@example.com' }]),
    server_replies: { 'POST /v3/marketing/contacts/search': { status: 500, body: { errors: [{ message: 'internal' }] } } }
  }),
  batch('sb_add_upsert_500_remove_ok', [identify({ email: 'a@example.com' }), identify({ email: 'b@example.com' }, { member: false })], {
    contacts: contacts([{ email: 'b@example.com' }]),
    server_replies: { 'PUT /v3/marketing/contacts': [{ status: 500, body: { errors: [{ message: 'internal' }] } }, { status: 202, body: { job_id: 'job-0000-1111' } }] },
    note: 'server_replies given as a list: the first PUT gets the first reply, the second the second'
  }),
  batch('sb_remove_search_400', [identify({ email: 'a@example.com' }), identify({ email: 'b@example.com' }, { member: false }), identify({ email: 'c@example.com' }, { member: false })], {
    contacts: contacts([{ email: 'b@example.com' }, { email: 'c@example.com' }]),
    server_replies: { 'POST /v3/marketing/contacts/search': { status: 400, body: { errors: [{ field: 'query', message: 'invalid query' }] } } }
  }),
  batch('sb_remove_delete_500', [identify({ email: 'a@example.com' }), identify({ email: 'b@example.com' }, { member: false })], {
    contacts: contacts([{ email: 'b@example.com' }]),
    server_replies: { 'DELETE /v3/marketing/lists/{id}/contacts': { status: 500, body: { errors: [{ message: 'internal' }] } } }
  }),
  batch('sb_different_external_audience_ids', [
    identify({ email: 'a@example.com' }),
    identify({ email: 'b@example.com' }, { personas: { external_audience_id: 'other-list-0002' } }),
    identify({ email: 'c@example.com' }, { member: false, personas: { external_audience_id: 'other-list-0002' } })
  ], { contacts: contacts([{ email: 'c@example.com' }]), note: 'the list id of the first payload is used for the whole batch' }),
  batch('sb_duplicate_emails', [identify({ email: 'a@example.com', first_name: 'One' }), identify({ email: 'a@example.com', first_name: 'Two' }), identify({ email: 'b@example.com' }, { member: false }), identify({ email: 'b@example.com' }, { member: false })], {
    contacts: contacts([{ email: 'b@example.com' }])
  }),
  // sizes near the chunk limits
  batch('sb_large_add_100', many(emails(100)), { note: 'MAX_BATCH_SIZE is 100 (the batch_size default)' }),
  batch('sb_large_add_150', many(emails(150)), { note: 'the action itself never splits the upsert: one PUT for all adds' }),
  batch('sb_large_remove_50_one_id_each', many(emails(50), { member: false }), { contacts: contacts(emails(50).map((email) => ({ email }))) }),
  batch('sb_large_remove_51_one_id_each', many(emails(51), { member: false }), { contacts: contacts(emails(51).map((email) => ({ email }))) }),
  batch('sb_large_remove_13_four_ids_each', emails(13).map((email, i) => identify({ email, phone_id: `+1415555${String(i + 1).padStart(4, '0')}` }, { member: false, extra: { userId: `ext-${i + 1}`, anonymousId: `anon-${i + 1}` } })), {
    mapping: ALL_IDS_MAPPING,
    contacts: contacts(emails(13).map((email) => ({ email }))),
    note: '4 identifiers each: 12 records (48 identifiers) per search'
  }),
  batch('sb_large_remove_26_two_ids_each', emails(26).map((email, i) => identify({ email }, { member: false, extra: { userId: `ext-${i + 1}` } })), {
    mapping: { identifiers: { email: { '@path': '$.traits.email' }, external_id: { '@path': '$.userId' } } },
    contacts: contacts(emails(26).map((email, i) => ({ email, external_id: `ext-${i + 1}` })))
  }),
  batch('sb_large_remove_120_found', many(emails(120), { member: false }), {
    contacts: contacts(emails(120).map((email) => ({ email }))),
    note: '3 searches (50, 50, 20), then DELETEs of 100 and 20 contact ids'
  }),
  batch('sb_large_remove_100_found_exactly', many(emails(100), { member: false }), { contacts: contacts(emails(100).map((email) => ({ email }))) }),
  batch('sb_large_mixed_150', emails(150).map((email, i) => identify({ email }, { member: i % 3 !== 0 })), {
    contacts: contacts(emails(150).filter((_, i) => i % 3 === 0).map((email) => ({ email })))
  })
]

// ---------------------------------------------------------------- createAudience / getAudience
const LISTS = [
  { id: 'list-0001', name: 'VIP Customers', contact_count: 12 },
  { id: 'list-0002', name: 'Newsletter', contact_count: 3 }
]
const audienceCases = [
  { name: 'ca_list_name_found', invocation: 'createAudience', audience_input: { audienceName: 'Segment Audience', audienceSettings: { listName: 'Newsletter' } }, lists: LISTS },
  { name: 'ca_list_name_not_found_created', invocation: 'createAudience', audience_input: { audienceName: 'Segment Audience', audienceSettings: { listName: 'Brand New' } }, lists: LISTS },
  { name: 'ca_audience_name_used_without_list_name', invocation: 'createAudience', audience_input: { audienceName: 'VIP Customers', audienceSettings: {} }, lists: LISTS },
  { name: 'ca_audience_name_not_found_created', invocation: 'createAudience', audience_input: { audienceName: 'vip_customers' }, lists: LISTS },
  { name: 'ca_list_name_case_differs', invocation: 'createAudience', audience_input: { audienceName: 'x', audienceSettings: { listName: 'vip customers' } }, lists: LISTS, note: 'exact, case-sensitive name match' },
  { name: 'ca_list_name_empty_string_falls_to_audience_name', invocation: 'createAudience', audience_input: { audienceName: 'Newsletter', audienceSettings: { listName: '' } }, lists: LISTS },
  { name: 'ca_duplicate_names_first_wins', invocation: 'createAudience', audience_input: { audienceName: 'Twin' }, lists: [{ id: 'list-0010', name: 'Twin', contact_count: 0 }, { id: 'list-0011', name: 'Twin', contact_count: 0 }] },
  { name: 'ca_list_on_second_page_not_seen', invocation: 'createAudience', audience_input: { audienceName: 'Page Two' }, lists: LISTS, lists_page_two: [{ id: 'list-0200', name: 'Page Two', contact_count: 1 }], note: 'only the first page of GET /v3/marketing/lists is read' },
  { name: 'ca_no_lists', invocation: 'createAudience', audience_input: { audienceName: 'First' }, lists: [] },
  { name: 'ca_create_rejected', invocation: 'createAudience', audience_input: { audienceName: 'Dup' }, lists: LISTS, server_replies: { 'POST /v3/marketing/lists': { status: 400, body: { errors: [{ field: 'name', message: 'list name already exists' }] } } } },
  { name: 'ca_get_lists_500', invocation: 'createAudience', audience_input: { audienceName: 'Any' }, lists: LISTS, server_replies: { 'GET /v3/marketing/lists': { status: 500, body: { errors: [{ message: 'internal' }] } } } },
  { name: 'ga_found', invocation: 'getAudience', audience_input: { externalId: 'list-0002' }, lists: LISTS },
  { name: 'ga_not_found', invocation: 'getAudience', audience_input: { externalId: 'list-9999' }, lists: LISTS }
]

export const cases = [...singleCases, ...batchCases, ...audienceCases]
