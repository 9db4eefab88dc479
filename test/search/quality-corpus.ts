/**
 * Quality set for the bundled model, written by hand for this test. Each document has two queries:
 * - `query`: what a user would type to find it, a paraphrase that may share a key word;
 * - `hardQuery`: the same need in other words, sharing almost no content word (adversarial).
 * A query passes when its document ranks first among all documents plus the distractors, which
 * were written to share words with the documents while meaning something else.
 */
export const DOCUMENTS: Array<{ key: string; text: string; query: string; hardQuery: string }> = [
  { key: "faq:password-reset", text: "How do I reset my password?", query: "how can I reset the password of my account", hardQuery: "I forgot my login credentials" },
  { key: "faq:refund", text: "Can I get my money back for a purchase?", query: "can I get a refund and my money back", hardQuery: "requesting a refund for an order" },
  { key: "faq:shipping-time", text: "How long does delivery take?", query: "how long will delivery of my order take", hardQuery: "when will my package arrive" },
  { key: "faq:cancel-subscription", text: "How can I stop my monthly plan?", query: "how do I stop my monthly subscription plan", hardQuery: "cancel my subscription" },
  { key: "faq:change-email", text: "Update the email address on my account", query: "change the email address of my account", hardQuery: "I want to use a different mail for my profile" },
  { key: "faq:opening-hours", text: "What time does the store open?", query: "what time does the shop open", hardQuery: "business hours of the shop" },
  { key: "prompt:python", text: "You are a helpful assistant focused on Python programming", query: "Python programming help", hardQuery: "Python programming help" },
  { key: "prompt:sql", text: "You write and optimise SQL queries for relational databases", query: "optimise my SQL query", hardQuery: "help me tune a slow database query" },
  { key: "prompt:translator", text: "Translate the user's text from English into French", query: "translate this English text to French", hardQuery: "convert this sentence to French" },
  { key: "prompt:summarizer", text: "Summarize long documents into a few bullet points", query: "summarize this long document in bullet points", hardQuery: "make a short digest of this report" },
  { key: "prompt:legal", text: "You answer questions about contracts and employment law", query: "a question about my employment contract", hardQuery: "is my non-compete clause enforceable" },
  { key: "prompt:medical", text: "Give general information about symptoms and when to see a doctor", query: "what symptoms mean I should see a doctor", hardQuery: "I have a fever and a sore throat, should I visit a physician" },
  { key: "prompt:travel", text: "Plan trips: flights, hotels and sightseeing itineraries", query: "plan a trip with flights and a hotel", hardQuery: "organise my vacation to Japan" },
  { key: "prompt:cooking", text: "Suggest recipes from the ingredients the user has", query: "a recipe with the ingredients I have", hardQuery: "what can I make for dinner with eggs and spinach" },
  { key: "prompt:fitness", text: "Create workout routines for strength and endurance", query: "a workout routine to build strength", hardQuery: "a weekly gym training plan" },
  { key: "prompt:finance", text: "Explain personal budgeting, saving and investing", query: "tips on budgeting and saving money", hardQuery: "how should I put money aside for retirement" },
  { key: "note:weather", text: "The weather is sunny today", query: "is it sunny today", hardQuery: "it is a bright and clear day outside" },
  { key: "note:rain", text: "Heavy rain is expected tomorrow with strong winds", query: "heavy rain and wind tomorrow", hardQuery: "a storm is coming tomorrow" },
  { key: "note:meeting", text: "The team meeting moved to Thursday afternoon", query: "when is the team meeting", hardQuery: "our group sync was rescheduled to later in the week" },
  { key: "note:deploy", text: "The production deployment failed because a migration timed out", query: "why did the production deployment fail", hardQuery: "the release broke when the database schema change took too long" },
  { key: "note:outage", text: "Users cannot log in since the authentication service went down", query: "users are unable to log in, authentication is down", hardQuery: "sign-in is broken because the auth server crashed" },
  { key: "note:hiring", text: "We are hiring two backend engineers this quarter", query: "we are recruiting backend engineers", hardQuery: "open positions for server-side developers" },
  { key: "note:birthday", text: "Buy a cake for Maria's birthday party on Saturday", query: "cake for Maria's birthday", hardQuery: "pick up dessert for the celebration this weekend" },
  { key: "note:car", text: "The car needs new tires and an oil change", query: "the car needs an oil change", hardQuery: "vehicle maintenance is due" },
  { key: "note:cat", text: "Feed the cat twice a day while I am away", query: "who feeds the cat while I am away", hardQuery: "look after my pet during my trip" },
  { key: "pref:tone-formal", text: "The user prefers formal, polite answers", query: "answer in a formal and polite tone", hardQuery: "respond in a courteous and professional manner" },
  { key: "pref:short", text: "Keep answers brief, no more than three sentences", query: "keep the answers short", hardQuery: "be concise" },
  { key: "pref:language-es", text: "Always reply in Spanish", query: "reply in Spanish", hardQuery: "answer me en español" },
  { key: "pref:dark-mode", text: "The interface should use a dark theme", query: "use a dark theme for the interface", hardQuery: "switch the screen colours to night mode" },
  { key: "pref:vegetarian", text: "The user does not eat meat", query: "the user is vegetarian and does not eat meat", hardQuery: "only suggest vegetarian meals" },
  { key: "faq:invoice", text: "Where can I download my billing statement?", query: "download my billing statement", hardQuery: "get a copy of my invoice" },
  { key: "faq:two-factor", text: "Turn on two-step verification for extra security", query: "turn on two-step verification", hardQuery: "enable 2FA on my account" },
];

/** Texts that share words with the documents but mean something else. */
export const DISTRACTORS: string[] = [
  "The password field is twelve characters long",
  "Money is a medium of exchange",
  "Delivery drivers use vans",
  "A subscription box of monthly snacks",
  "The store sells python-shaped toys",
  "A database of French cheeses",
  "The contract was printed on blue paper",
  "Today the meeting room is sunny",
  "The cat sat on the car",
  "Spanish guitars are made of wood",
  "Dark chocolate cake recipe",
  "The invoice template uses a serif font",
];

/**
 * Long documents (260–420 tokens, far past USE-lite's 128-token window). Each query asks about
 * something said only after the first window, so without chunking the model never sees it.
 */
export const LONG_DOCUMENTS: Array<{ key: string; text: string; query: string }> = [
  {
    key: "policy:shipping",
    text:
      "Shipping policy. Orders placed before noon on a working day leave our warehouse the same day and are delivered by a tracked " +
      "courier within two to four working days in most of Europe. Orders to islands, to mountain villages and to countries outside the " +
      "customs union can take up to ten days, and the courier may ask the recipient to pay import duties on delivery. We send a tracking " +
      "link by email as soon as the parcel leaves, and a second message when the courier has it out for delivery. If nobody is at home " +
      "the courier leaves a card and tries again the next working day; after three attempts the parcel waits at the nearest pickup point " +
      "for fourteen days and then comes back to us. Live animals cannot be shipped at all, and aquarium fish, reptiles and birds are not " +
      "sold online; pet food and dog toys ship like any other item, but cat litter over ten kilograms goes by freight and costs extra.",
    query: "can you ship live animals such as birds or fish",
  },
  {
    key: "handbook:expenses",
    text:
      "Employee handbook, chapter seven: travel and expenses. Book flights and hotels through the travel portal so that the company's " +
      "negotiated rates apply; a booking made elsewhere is refunded only up to the portal's price for the same trip. Economy class is the " +
      "rule for flights under six hours, premium economy above that, and business class needs a director's approval in writing. Hotels " +
      "should be within the city limits of the meeting and under the nightly cap published for each city. Keep every receipt: scan it " +
      "with the expenses app within thirty days of the trip, or the claim is refused. Meals are covered up to a daily allowance that " +
      "depends on the country; alcohol is never refunded. When you use your own car for a business trip, mileage is paid at the " +
      "government rate per kilometre, parking and tolls are refunded on receipt, and fines for speeding or parking are your own to pay.",
    query: "who pays if I get a speeding ticket driving my own car for work",
  },
  {
    key: "guide:onboarding-api",
    text:
      "Getting started with the public API. Create an account, open the developer settings and generate an API key; keys are shown " +
      "once, so store yours in a secret manager. Every request carries the key in the Authorization header as a bearer token, and " +
      "all traffic must use HTTPS; plain HTTP requests are refused. The base URL is different for the sandbox and for production, and " +
      "data never moves between the two. Responses are JSON, timestamps are in UTC in ISO 8601, and amounts are integers in the " +
      "smallest currency unit. Errors come back with a machine-readable code and a message meant for developers, not end users. " +
      "Rate limits: each key may send one hundred requests per second, bursts above that receive status 429 with a Retry-After header " +
      "telling you how many seconds to wait, and repeated abuse can get a key suspended. Webhooks are signed with a shared secret.",
    query: "what happens when I send too many requests per second",
  },
  {
    key: "manual:coffee-machine",
    text:
      "Coffee machine user manual. Before the first use, rinse the water tank, fill it with fresh cold water up to the MAX mark and run " +
      "two cycles without coffee to flush the system. Use whole beans of a medium roast; oily dark roasts clog the grinder over time. " +
      "Choose the cup size with the left dial and the strength with the right one; the machine grinds, tamps and brews on its own and " +
      "the milk wand froths milk for cappuccino when you turn the steam knob. Empty the grounds drawer when the red light blinks. Once " +
      "a month, or when the descale symbol appears, remove limescale: dissolve one sachet of descaler in half a litre of water, pour it " +
      "into the tank and hold both buttons for five seconds; the cycle takes twenty minutes, after which you rinse the tank and run one " +
      "cycle of clean water. Never use vinegar, which damages the seals and voids the warranty.",
    query: "how do I remove limescale and can I use vinegar",
  },
  {
    key: "policy:privacy",
    text:
      "Privacy notice. We collect the information you give us when you create an account, such as your name, email address and " +
      "delivery address, and the information your device sends when you use the app, such as its model, operating system and crash " +
      "reports. We use it to provide the service, to prevent fraud and, if you agree, to send you news about our products. Payment " +
      "details are handled by our payment provider and never stored on our servers. We keep account data for as long as your account " +
      "is open and delete it within ninety days after you close it, except invoices, which the law requires us to keep for ten years. " +
      "You can ask for a copy of everything we hold about you, have it corrected, or object to marketing at any time by writing to our " +
      "data protection officer; we answer within one month. You may also complain to your national data protection authority.",
    query: "how long do you keep my data after I close my account",
  },
  {
    key: "runbook:database-failover",
    text:
      "Runbook: primary database failover. This runbook applies when the primary database stops answering health checks for more than " +
      "two minutes or the cloud provider reports the instance as impaired. First, announce the incident in the operations channel and " +
      "page the on-call database engineer. Check the replication lag of both replicas on the monitoring dashboard; never promote a " +
      "replica that is more than thirty seconds behind, because the writes it lacks would be lost. Put the application in read-only " +
      "maintenance mode so that no write reaches the old primary during the switch. Promote the replica with the smallest lag using the " +
      "failover script, then update the database endpoint in the service configuration and restart the application pods one zone at a " +
      "time. Once traffic is healthy, rebuild the old primary as a new replica from a fresh snapshot and write the postmortem within " +
      "two working days, including the timeline and the data loss window if any.",
    query: "which replica should be promoted and how far behind may it be",
  },
  {
    key: "recipe:sourdough",
    text:
      "Sourdough bread. Feed your starter the evening before so that it is bubbly and has doubled by the morning. Mix 500 grams of bread " +
      "flour with 350 grams of water and let it rest for an hour; this autolyse makes the dough easier to work. Add 100 grams of active " +
      "starter and 10 grams of salt, squeeze them in by hand, then give the dough four sets of stretch and folds, thirty minutes apart. " +
      "Let it rise at room temperature until it has grown by about half, shape it into a tight ball and put it seam side up in a floured " +
      "basket. Leave the basket in the fridge overnight: the cold slow proof develops flavour and makes scoring easier. Bake in a " +
      "preheated cast iron pot at 250 degrees, twenty minutes with the lid on to trap steam, then twenty-five minutes uncovered until " +
      "the crust is deep brown. Let the loaf cool for at least an hour before slicing, or the crumb turns gummy.",
    query: "why should the bread cool before I cut it",
  },
  {
    key: "contract:saas-terms",
    text:
      "Terms of service for the hosted plan. The customer may use the service for its internal business purposes during the " +
      "subscription term and may not resell it, reverse engineer it or use it to build a competing product. Fees are billed yearly in " +
      "advance and are not refundable, except as stated in the service level agreement. The provider keeps the service available 99.9 " +
      "percent of each month; if it falls short, the customer receives service credits of ten percent of the monthly fee for every " +
      "full hour below the target, up to half the monthly fee, on request within thirty days. Customer data remains the customer's " +
      "property; on termination the provider makes it available for export for sixty days and then deletes it. Either party may end " +
      "the agreement for material breach not cured within thirty days of written notice, and the liability of each party is limited to " +
      "the fees paid in the twelve months before the claim, except for breaches of confidentiality.",
    query: "what compensation do we get if the service is down longer than promised",
  },
];

/**
 * Execution records as `recordExecution` stores them (EXECUTION scope): what users asked agents
 * and what the agents answered. Many are about the same subjects as the documents (billing,
 * delivery, passwords, Python); some carry a system prompt close to a prompt document.
 */
const EXCHANGES: Array<[string, string]> = [
  ["my order 88213 still hasn't arrived, it's been a week", "I'm sorry about the wait. Order 88213 left our warehouse on Monday and the courier shows it at the local depot; it should reach you within two working days. I've added a note asking the driver to call before delivery."],
  ["I was charged twice for the same subscription this month", "I can see two payments of 12.99 on the 3rd. The second one was a duplicate authorisation and has been reversed; it will disappear from your statement within five working days. No action is needed on your side."],
  ["the app logs me out every few minutes on my phone", "That usually happens when the phone's clock is off. Please enable automatic date and time in your settings and sign in again. If it keeps happening, reinstalling the app clears a corrupted session."],
  ["can you explain what a Python list comprehension is", "A list comprehension builds a list from an iterable in one expression: [x * 2 for x in numbers if x > 0] doubles every positive number. It is usually shorter and faster than an equivalent for loop with append."],
  ["write a SQL query that counts orders per customer", "SELECT customer_id, COUNT(*) AS orders FROM orders GROUP BY customer_id ORDER BY orders DESC; add a WHERE clause on the order date if you only want a given period."],
  ["translate 'where is the train station' into French", "Où est la gare ? If you want to be more polite, say: Excusez-moi, pourriez-vous m'indiquer où se trouve la gare ?"],
  ["summarize this meeting: we agreed to move the launch to June and hire a designer", "Summary: the launch moves to June; a designer will be hired. Owners and dates for the hiring were not decided."],
  ["is it legal for my employer to change my shifts without notice", "It depends on your contract and your country. Many labour laws require reasonable notice for shift changes; check the scheduling clause in your contract and ask your union or a labour lawyer for advice specific to you."],
  ["I have had a headache for three days, what should I do", "A headache lasting several days should be checked by a doctor, especially with fever, a stiff neck or vision changes. Meanwhile rest, drink water and avoid screens; seek urgent care if it becomes sudden and severe."],
  ["find me a hotel in Lisbon under 120 euros a night", "Here are three options under 120 euros: a guesthouse in Alfama at 95, a boutique hotel near Rossio at 115 and a modern hotel in Parque das Nações at 110. All have free cancellation until two days before arrival."],
  ["what can I cook with chickpeas and tomatoes", "Try a chickpea and tomato stew: fry onion and garlic, add cumin and paprika, then the tomatoes and chickpeas, and simmer for twenty minutes. Serve with rice or bread and a squeeze of lemon."],
  ["give me a beginner running plan", "Week 1: three runs of 20 minutes alternating one minute running and two walking. Each week add a minute of running to each interval; by week 8 you can run 30 minutes without stopping."],
  ["how much should I save each month for an emergency fund", "A common target is three to six months of essential expenses. Start with what you can, even 5 percent of your income, automate the transfer on payday and keep the money in an easy-access savings account."],
  ["the dashboard shows a 502 error after the deploy", "The 502 comes from the load balancer: the new pods fail their health check. The logs show a missing environment variable DATABASE_URL in the release; I have rolled back to the previous version while you fix the config."],
  ["nobody can sign in, the login page spins forever", "The identity provider is timing out. I've switched the login service to the backup region and sign-ins are working again; the root cause is being investigated."],
  ["schedule a call with the marketing team next Tuesday", "I found a free slot on Tuesday at 14:00 for everyone on the marketing team and sent the invitation titled 'Marketing sync'."],
  ["remind me to buy flowers for my mother's birthday", "Reminder set for Friday at 17:00: buy flowers for your mother's birthday on Saturday."],
  ["my car makes a squeaking noise when I brake", "Squeaking when braking often means the brake pads are worn down to their wear indicators. Have the pads checked soon; driving on worn pads damages the discs and lengthens braking distance."],
  ["I'm going on holiday, who can look after my dog", "You could book a registered dog sitter, a boarding kennel or ask a neighbour. I found three sitters within two kilometres with good reviews; shall I send you their profiles?"],
  ["please answer more formally from now on", "Certainly. I will use a formal and courteous tone in my replies from now on."],
  ["keep it short, I don't need long explanations", "Understood. I'll keep my answers brief."],
  ["reply to me in Spanish please", "¡Claro! A partir de ahora te responderé en español."],
  ["can I switch the app to dark mode", "Yes: open Settings, then Appearance, and choose Dark. The app can also follow your phone's system setting."],
  ["I stopped eating meat, update my meal suggestions", "Noted. From now on your meal suggestions will be vegetarian."],
  ["where do I find last month's invoice", "Your invoices are under Account, then Billing history. Last month's is the first in the list; click the PDF icon to download it."],
  ["how do I turn on 2FA", "Go to Security settings and choose Two-step verification, then scan the QR code with an authenticator app and enter the six-digit code to confirm."],
  ["I forgot my password and the reset email never comes", "The reset email may have gone to spam. I've sent a new one just now; the link is valid for thirty minutes. If it still doesn't arrive, check that your address is spelled correctly."],
  ["I want my money back for the broken headphones", "I'm sorry they arrived broken. I've issued a full refund of 59 euros to your card; you'll see it within five working days. You don't need to return the headphones."],
  ["when will my package be delivered", "Your package is with the courier and scheduled for delivery tomorrow between 9:00 and 13:00. You'll get a text message an hour before."],
  ["cancel my premium plan", "Your premium plan has been cancelled. You keep access until the end of the current billing period on the 28th, and you won't be charged again."],
  ["change my email to the new one I gave you", "Done: your account email is now the new address. We sent a confirmation link there; your old address will receive a notice of the change."],
  ["is the shop open on Sunday", "On Sundays the shop opens from 10:00 to 16:00. Public holidays may differ; check the notice on our website."],
  ["help me fix this Python error: TypeError: 'NoneType' object is not subscriptable", "The variable you index is None: the function that returned it probably has no return statement on some path. Print the value before indexing, or add a check such as if result is None."],
  ["my SQL query with three joins takes a minute", "Run EXPLAIN to see the plan. The orders table is scanned in full because there is no index on orders.customer_id; creating that index should bring the query under a second."],
  ["translate this email to German", "Sehr geehrte Frau Weber, vielen Dank für Ihre Nachricht. Wir senden Ihnen die Unterlagen bis Freitag zu. Mit freundlichen Grüßen."],
  ["make bullet points of this report on quarterly sales", "- Revenue grew 8% over the last quarter\n- Europe led the growth, Asia was flat\n- Returns fell to 3%\n- Marketing spend rose 12%"],
  ["what does a non-compete clause mean", "A non-compete clause restricts you from working for a competitor or starting a competing business for a period after you leave. Courts in many countries only enforce it if it is limited in time, place and scope."],
  ["I have a sore throat and a mild fever", "Most sore throats with mild fever are viral and improve within a week. Rest, drink warm fluids and take paracetamol if needed; see a doctor if you struggle to swallow or the fever passes 39 degrees."],
  ["plan a weekend trip to Rome", "Day 1: Colosseum and Roman Forum in the morning, Trastevere for dinner. Day 2: Vatican Museums early, then the Pantheon and Piazza Navona. Book the Vatican tickets online to skip the queue."],
  ["what's the weather going to be like tomorrow", "Tomorrow will be cloudy in the morning with rain from the afternoon and strong winds in the evening, around 14 degrees."],
];

/** System prompts some agents ran with (close to, but not the same as, the prompt documents). */
const AGENT_PROMPTS = [
  "You are a customer support agent for an online shop. Be friendly and solve the customer's problem in as few messages as possible.",
  "You are a helpful assistant for software developers. Answer with short explanations and code examples where useful.",
  "You are a personal assistant that manages calendars, reminders and everyday tasks for the user.",
  "You are a travel and lifestyle assistant. Give practical suggestions and ask about budget and dates when they are missing.",
];

/** 80 execution records: each exchange twice, once as a bare question and once as a chat with its agent's system prompt. */
export const EXECUTIONS: Array<{ input: unknown; output: string; promptKey: string; latencyMs: number }> = EXCHANGES.flatMap(([q, a], i) => [
  { input: q, output: a, promptKey: `agent:${i % AGENT_PROMPTS.length}:system_message`, latencyMs: 300 + ((i * 37) % 900) },
  {
    input: { messages: [{ role: "system", content: AGENT_PROMPTS[(i + 1) % AGENT_PROMPTS.length] }, { role: "user", content: q }] },
    output: a,
    promptKey: `agent:${(i + 1) % AGENT_PROMPTS.length}:system_message`,
    latencyMs: 250 + ((i * 53) % 1200),
  },
]);

/** User objects (USER scope, keys `user:{id}:...`) as agents keep them: preferences and remembered facts. */
const USER_FACTS: Array<Record<string, unknown>> = [
  { preferences: { tone: "casual", language: "en", units: "metric" }, interests: ["cycling", "jazz"] },
  { preferences: { tone: "formal", language: "de" }, job: "accountant", timezone: "Europe/Berlin" },
  { diet: "vegan", allergies: ["peanuts"], favourite_cuisine: "Thai" },
  { preferences: { answer_length: "detailed", code_style: "typed Python" }, role: "data engineer" },
  { travel: { home_airport: "LIS", seat: "aisle", loyalty: "TAP Miles" } },
  { pets: [{ kind: "cat", name: "Miso" }], household: "two adults" },
  { fitness: { goal: "run a half marathon", weekly_runs: 3 }, injuries: ["left knee"] },
  { finance: { risk: "low", goal: "buy a flat in five years" }, income_band: "middle" },
  { preferences: { theme: "dark", notifications: "email only" } },
  { work: { team: "payments", manager: "Sara", standup: "09:30" } },
  { reading: ["science fiction", "history"], current_book: "The Left Hand of Darkness" },
  { car: { model: "Golf 2016", next_service: "March" } },
  { kids: [{ name: "Leo", age: 7 }, { name: "Ada", age: 4 }], school_run: "08:00" },
  { preferences: { language: "es", tone: "warm" }, city: "Valencia" },
  { health: { conditions: ["asthma"], doctor: "Dr. Okafor" } },
  { shopping: { size: "M", preferred_brands: ["Patagonia"], budget: "mid" } },
  { learning: { language: "Japanese", level: "beginner", daily_minutes: 20 } },
  { music: { instruments: ["piano"], genres: ["classical", "lo-fi"] } },
  { home: { heating: "heat pump", smart_speaker: true } },
  { preferences: { summary_style: "bullet points", max_sentences: 3 } },
  { diet: "pescatarian", dislikes: ["coriander"], cooking_skill: "intermediate" },
  { gardening: { balcony: true, plants: ["tomatoes", "basil"] } },
  { security: { two_factor: true, password_manager: "yes" } },
  { commute: { mode: "train", line: "S5", duration_minutes: 35 } },
  { preferences: { humour: "dry", emoji: false } },
  { events: [{ what: "sister's wedding", when: "June 14" }] },
  { subscriptions: ["streaming", "cloud storage"], billing_day: 3 },
  { coding: { editor: "VS Code", languages: ["Go", "SQL"] } },
  { volunteering: "food bank on Saturdays", skills: ["logistics"] },
  { preferences: { units: "imperial", currency: "USD" }, state: "Oregon" },
];

const USER_NOTES = [
  "Prefers to be called Sam and dislikes small talk.",
  "Is preparing for a job interview at a bank next week.",
  "Mentioned their laptop battery drains fast since the last update.",
  "Has a meeting with the landlord about the broken heating on Thursday.",
  "Asked twice about flights to Tokyo in October.",
  "Is allergic to cats, so avoid suggesting cat cafés.",
  "Wants reminders for medication at 8am and 8pm.",
  "Is learning to bake bread and asked about starters.",
  "Their daughter starts school in September.",
  "Complained that the delivery driver left parcels in the rain.",
  "Is saving for a new bicycle, budget around 900 euros.",
  "Works night shifts on weekends.",
  "Likes detailed explanations with sources.",
  "Moved from Porto to Amsterdam last month.",
  "Is training for a 10k race in the spring.",
  "Needs invoices addressed to their company, not to them personally.",
  "Gets anxious about flying; prefers trains when possible.",
  "Their favourite restaurant is a small Lebanese place nearby.",
  "Is writing a thesis on renewable energy policy.",
  "Asked for help choosing a family car with seven seats.",
  "Reads the news in the morning and wants short summaries.",
  "Has a standing weekly call with their mentor on Fridays.",
  "Uses a screen reader; keep formatting simple.",
  "Is renovating the kitchen and comparing quotes.",
  "Mentioned that their account was hacked last year.",
  "Takes the dog to the vet every spring for vaccines.",
  "Is on a low-sodium diet for blood pressure.",
  "Plays football with colleagues on Wednesday evenings.",
  "Wants to learn SQL for their marketing job.",
  "Prefers video calls to phone calls.",
];

export const USER_OBJECTS: Array<{ key: string; value: unknown }> = [
  ...USER_FACTS.map((value, i) => ({ key: `user:u${i}:profile`, value })),
  ...USER_NOTES.map((note, i) => ({ key: `user:u${(i * 7) % 30}:memory:${i}`, value: { note, source: "chat", confidence: 0.8 } })),
];

/** Prompts next to the documents' topics: same field, another task (GLOBAL scope). */
export const NEAR_PROMPTS: string[] = [
  "You help users recover access to their email provider account when two-factor codes are lost.",
  "You explain the return window and how to print a return label for clothing orders.",
  "You track parcels for business customers and explain customs paperwork for exports.",
  "You manage newspaper subscriptions: pauses during holidays, address changes and gift subscriptions.",
  "You update the postal address and phone number on a customer profile.",
  "You answer questions about the shop's parking, accessibility and public transport access.",
  "You are a JavaScript and TypeScript assistant for frontend developers.",
  "You design database schemas and explain normal forms to students.",
  "You translate product descriptions from English into Italian and Portuguese.",
  "You turn meeting transcripts into a list of action items with owners.",
  "You explain tenant rights and rental agreements to people who rent a flat.",
  "You give first-aid instructions for burns, cuts and sprains.",
  "You compare train and bus connections across Europe and find the cheapest tickets.",
  "You plan weekly meal prep for families on a budget, with shopping lists.",
  "You coach people recovering from knee injuries with gentle mobility exercises.",
  "You explain how credit scores work and how to improve one.",
  "You write the daily weather forecast for a regional radio station.",
  "You write storm and flood warnings for coastal towns.",
  "You schedule meeting rooms and resolve double bookings in the office.",
  "You write postmortems after production incidents, with timelines and follow-ups.",
  "You monitor the status page and post updates during outages of the payment service.",
  "You screen job applications for frontend developer roles.",
  "You suggest gift ideas for children's birthday parties.",
  "You remind drivers when their car insurance and road tax are due.",
  "You answer questions from pet owners about feeding puppies and kittens.",
  "You adapt the writing style of emails: friendlier, shorter or more formal on request.",
  "You write concise release notes in at most five bullet points.",
  "You teach beginners Spanish grammar with short exercises.",
  "You configure colour themes and fonts for code editors.",
  "You suggest restaurants for people with food allergies.",
  "You explain the fields on a payslip and how tax is withheld.",
  "You guide users through setting up a password manager.",
  "You write Python scripts that automate spreadsheet reports.",
  "You optimise slow Elasticsearch queries and index mappings.",
  "You write product documentation in plain English for non-technical readers.",
  "You help students summarise scientific papers for their literature review.",
  "You explain insurance contracts and what a deductible is.",
  "You give general information about vaccines and travel health.",
  "You book restaurant tables and theatre tickets for the user.",
  "You suggest cocktails and non-alcoholic drinks for parties.",
  "You write personalised workout playlists for running.",
  "You explain pension schemes and retirement ages in different countries.",
  "You describe the history of famous buildings for a tourist audio guide.",
  "You answer questions about the school calendar and holidays.",
  "You help people prepare for driving theory exams.",
  "You recommend board games for groups of different sizes.",
  "You write short bedtime stories for young children.",
  "You explain the rules of football and basketball to beginners.",
  "You help small shops set up online payments and card terminals.",
  "You answer questions about recycling and waste collection days.",
  "You review contracts for freelancers and flag risky clauses.",
  "You suggest houseplants that survive in low light.",
  "You explain how solar panels and home batteries work.",
  "You help users migrate their photos between cloud services.",
  "You answer questions about bank transfer limits and fees.",
  "You coach managers on giving feedback to their teams.",
  "You plan wedding timelines and vendor checklists.",
  "You teach photography basics: aperture, shutter speed and ISO.",
  "You convert recipes between metric and imperial units.",
  "You help users choose a mobile phone plan.",
];

/** Queries with no relevant document: what an unrelated question's best hits score. */
export const OFF_TOPIC_QUERIES: string[] = [
  "what is the capital of Peru",
  "how do volcanoes form",
  "who painted the Mona Lisa",
  "explain quantum entanglement",
  "how many moons does Jupiter have",
  "what is the boiling point of nitrogen",
  "best way to learn to juggle",
  "history of the Ottoman empire",
  "how do bees make honey",
  "rules of cricket for beginners",
  "what is a black hole",
  "how to knit a scarf",
  "the plot of Hamlet",
  "why is the sky blue",
  "how do submarines dive",
  "origami crane instructions",
  "what do pandas eat",
  "how tall is Mount Everest",
  "who invented the telephone",
  "how to tune a guitar",
  "what causes earthquakes",
  "the lifecycle of a butterfly",
  "how do glaciers move",
  "translate the Latin phrase carpe diem",
  "what is the speed of sound",
  "how do chameleons change colour",
  "the meaning of the word serendipity",
  "how are diamonds formed",
  "who won the chess world championship in 1972",
  "how does a rainbow appear",
];
