// What a newcomer does in the Agents Playground, in headless Chromium. Two flows:
// - manager: ask for help, list my items, get the status card, answer it, submit, see the
//   card refresh in place, edit one answer and submit again;
// - admin: "ny runda", fill in the round form, preview, open the round now; the new round's
//   card arrives in the chat by itself (the bot's sender posts it), is answered, "rundor"
//   shows the cards delivered, and in the channel "Uppföljning" the steering group is
//   linked and its digest asked for;
// - steeringGroup: in the channel "ny styrgrupp", the form filled in and saved, the group
//   listed with "styrgrupper".
// tests/e2e/test_playground.py starts the bot and the Playground, passes a JSON file with
// the URL, the texts to expect (taken from the bot's catalogue) and the answers to give, and
// asserts on what this script prints.
//
// usage: node playground_flow.mjs <config.json>
// The last line on stdout is `RESULT <json>`: the text of every card the flow saw, by step.
// Each step also leaves a screenshot in config.outDir. Waiting is done on text appearing,
// never on sleeps; the timeout below only stops a hung run.

import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const config = JSON.parse(await readFile(process.argv[2], 'utf-8'));
const { url, outDir } = config;
await mkdir(outDir, { recursive: true });

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const browser = await chromium.launch({
  executablePath: config.chromium ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ],
});

const result = { steps: {}, blocked: [] };
let shot = 0;

try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 1500 },
    locale: 'sv-SE',
    timezoneId: 'Europe/Stockholm',
  });
  // The Playground's page pulls fonts and an animation from Microsoft's CDN; the test must
  // not need the internet, so everything that is not this machine is refused.
  await context.route(
    (u) => !LOCAL_HOSTS.has(new URL(u).hostname),
    (route) => {
      result.blocked.push(new URL(route.request().url()).hostname);
      return route.abort();
    },
  );
  const page = await context.newPage();
  page.setDefaultTimeout(config.timeoutMs ?? 90_000);

  const cards = page.locator('.ac-adaptiveCard');
  const messageBox = page.locator('[role="textbox"][data-lexical-editor="true"]');
  const button = (within, name) => within.getByRole('button', { name, exact: true });

  // Whole-page shots: an element shot of a card taller than the chat pane gets the page's
  // header painted over it. `focus` is scrolled into view first.
  async function screenshot(name, focus) {
    shot += 1;
    const file = path.join(outDir, `${String(shot).padStart(2, '0')}-${name}.png`);
    if (focus) await focus.scrollIntoViewIfNeeded();
    await page.screenshot({ path: file });
    return file;
  }

  // Sends `text` and waits for a card that was not there before and contains `waitFor`.
  // The card is returned by position, so it stays the same card when an Action.Execute
  // response replaces its content.
  async function say(text, waitFor) {
    const matching = cards.filter({ hasText: waitFor });
    const before = await matching.count();
    await messageBox.click();
    await messageBox.fill(text);
    await page.keyboard.press('Enter');
    await matching.nth(before).waitFor();
    const all = await cards.count();
    for (let i = all - 1; i >= 0; i -= 1) {
      if ((await cards.nth(i).innerText()).includes(waitFor)) return cards.nth(i);
    }
    throw new Error(`no card with ${waitFor}`);
  }

  async function choose(combobox, option) {
    await combobox.click();
    await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
  }

  async function managerFlow(manager) {
    const { labels, answers, expect: expected } = manager;

    const help = await say(manager.say.help, expected.helpTitle);
    result.steps.help = await help.innerText();
    await screenshot('help');

    const myItems = await say(manager.say.myItems, expected.myItemsTitle);
    result.steps.myItems = await myItems.innerText();
    await screenshot('my-items');

    const statusCard = await say(manager.say.status, expected.statusTitle);
    result.steps.statusCard = await statusCard.innerText();
    await screenshot('status-card');

    // Every item on the page needs a status (the card marks it required); the first gets
    // its own status and a comment, the item that asks about risk gets likelihood ×
    // consequence and a comment of its own.
    const statuses = statusCard.getByRole('combobox', { name: labels.status, exact: true });
    const count = await statuses.count();
    result.steps.itemsOnPage = count;
    for (let i = 0; i < count; i += 1) {
      await choose(statuses.nth(i), i === 0 ? answers.firstStatus : answers.otherStatus);
    }
    const comments = statusCard.getByRole('textbox', { name: labels.comment, exact: true });
    await comments.first().fill(answers.firstComment);
    const likelihood = statusCard.getByRole('combobox', {
      name: labels.likelihood,
      exact: true,
    });
    const hasRisk = (await likelihood.count()) > 0;
    result.steps.hasRiskItem = hasRisk;
    if (hasRisk) {
      // The innermost container holding both a status and a likelihood box is that item's
      // (`has` locators are relative to the container, hence page.getByRole).
      const box = (label) => page.getByRole('combobox', { name: label, exact: true });
      const riskItem = statusCard
        .locator('.ac-container')
        .filter({ has: box(labels.likelihood) })
        .filter({ has: box(labels.status) })
        .last();
      // Likelihood and consequence are required for every item that asks about risk, and
      // all of the demo manager's items fit on one page.
      const consequence = statusCard.getByRole('combobox', {
        name: labels.consequence,
        exact: true,
      });
      for (let i = 0; i < (await likelihood.count()); i += 1) {
        await choose(likelihood.nth(i), new RegExp(`^${answers.likelihood}\\b`));
        await choose(consequence.nth(i), new RegExp(`^${answers.consequence}\\b`));
      }
      await choose(
        riskItem.getByRole('combobox', { name: labels.status, exact: true }),
        answers.riskStatus,
      );
      await riskItem
        .getByRole('textbox', { name: labels.comment, exact: true })
        .fill(answers.riskComment);
    }
    await screenshot('filled', button(statusCard, labels.submit));

    // Action.Execute: the invoke response replaces this very card, so the same message
    // turns into the recorded answers.
    // The open round's own card may reach the chat at any moment (the sender posts it when
    // the bot starts; a browser that connected first shows it), so the submit is judged by
    // the cards around it, not by a total.
    const statusCards = cards.filter({ hasText: expected.statusTitle });
    result.steps.cardsBeforeSubmit = await statusCards.count();
    await button(statusCard, labels.submit).click();
    await statusCard.getByText(expected.recorded).waitFor();
    result.steps.refreshed = await statusCard.innerText();
    result.steps.cardsAfterSubmit = await statusCards.count();
    await screenshot('recorded');
    // The same moment without the Playground's log panel: the picture in the README.
    await page.getByRole('button', { name: 'Hide log panel' }).click();
    await page.mouse.move(0, 0);
    await screenshot('recorded-chat', statusCard);

    // Ändra brings the form back with what was recorded; changing one item and submitting
    // records a new revision of that item only.
    const edit = manager.edit;
    await button(statusCard, labels.edit).click();
    await button(statusCard, labels.submit).waitFor();
    result.steps.editForm = {
      firstStatus: await statuses.first().inputValue(),
      firstComment: await comments.first().inputValue(),
      statuses: await statuses.count(),
    };
    await choose(statuses.first(), edit.firstStatus);
    await comments.first().fill(edit.firstComment);
    await screenshot('editing', comments.first());
    await button(statusCard, labels.submit).click();
    await statusCard.getByText(edit.firstComment).waitFor();
    await statusCard.getByText(expected.recorded).waitFor();
    result.steps.edited = await statusCard.innerText();
    await screenshot('edited', statusCard);
  }

  async function adminFlow(admin) {
    const { labels, expect: expected } = admin;

    const form = await say(admin.say.newRound, expected.formTitle);
    result.steps.form = await form.innerText();
    await screenshot('round-form');

    // The plan (there is one), the dates and the reminders come filled in; a name is all
    // a round needs. No org unit chosen means the whole plan.
    await form.getByRole('textbox', { name: labels.name, exact: true }).fill(admin.roundName);
    await screenshot('round-form-filled', button(form, labels.preview));
    await button(form, labels.preview).click();
    await form.getByText(expected.previewTitle).waitFor();
    result.steps.preview = await form.innerText();
    await screenshot('round-preview', button(form, labels.openNow));

    await button(form, labels.openNow).click();
    await form.getByText(expected.opened).waitFor();
    result.steps.opened = await form.innerText();
    await screenshot('round-opened', form);

    if (admin.newCard) await answerNewCard(admin.newCard);
    if (admin.rounds) {
      const list = await say(admin.rounds.say, admin.rounds.expect);
      result.steps.rounds = await list.innerText();
      await screenshot('rounds', list);
    }
    if (admin.channel) await channelFlow(admin.channel);
  }

  // The opened round's status card, posted to this chat by the bot's outbox sender: every
  // status on its page is chosen (and likelihood × consequence where asked), then sent.
  async function answerNewCard(newCard) {
    const { labels, expect: expected } = newCard;
    const card = cards.filter({ hasText: expected.title }).first();
    await card.waitFor();
    result.steps.newCard = await card.innerText();
    await screenshot('new-round-card', card);
    const statuses = card.getByRole('combobox', { name: labels.status, exact: true });
    const count = await statuses.count();
    for (let i = 0; i < count; i += 1) await choose(statuses.nth(i), newCard.status);
    for (const label of [labels.likelihood, labels.consequence]) {
      const boxes = card.getByRole('combobox', { name: label, exact: true });
      const risks = await boxes.count();
      for (let i = 0; i < risks; i += 1) {
        await choose(boxes.nth(i), new RegExp(`^${newCard.risk}\\b`));
      }
    }
    await button(card, labels.submit).click();
    await card.getByText(expected.recorded).waitFor();
    result.steps.newCardAnswered = count;
    result.steps.newCardRecorded = await card.innerText();
    await screenshot('new-round-card-answered', card);
  }

  // A new post in the open channel, addressed to the bot: the Playground (like Teams) only
  // passes channel messages that @mention it, picked from the mention list.
  async function post(text, botName) {
    const box = page.locator('[role="textbox"][data-lexical-editor="true"]').first();
    await box.click();
    await page.keyboard.type(`@${botName.slice(0, 3)}`);
    await page.getByRole('menuitem').filter({ hasText: botName }).first().click();
    await page.keyboard.type(` ${text}`);
    await page.getByRole('button', { name: 'Post', exact: true }).click();
  }

  async function channelFlow(channel) {
    const { expect: expected } = channel;
    await page.locator('[role=treeitem]').filter({ hasText: channel.name }).first().click();
    await page.getByText(expected.greeting).first().waitFor();
    await screenshot('channel');

    await post(channel.bind, channel.botName);
    await page.getByText(expected.bound).first().waitFor();
    await screenshot('channel-bound');

    await post(channel.digest, channel.botName);
    const digest = cards
      .filter({ hasText: expected.digestTitle })
      .filter({ hasText: expected.round });
    await digest.first().waitFor();
    result.steps.digest = await digest.first().innerText();
    await screenshot('channel-digest', digest.first());
  }

  // The planning controller in the channel: "ny styrgrupp" posts the group form there; a
  // name is all it needs (the whole plan, Monday mornings); Spara creates the group linked
  // to this channel, and "styrgrupper" lists it.
  async function steeringGroupFlow(group) {
    const { labels, expect: expected } = group;
    await page.locator('[role=treeitem]').filter({ hasText: group.channelName }).first().click();
    await page.getByText(expected.greeting).first().waitFor();
    await post(group.say.newGroup, group.botName);
    await cards.filter({ hasText: expected.formTitle }).last().waitFor();
    // By position, so it stays the same card when Spara replaces its content.
    let index = (await cards.count()) - 1;
    while (index > 0 && !(await cards.nth(index).innerText()).includes(expected.formTitle)) {
      index -= 1;
    }
    const form = cards.nth(index);
    result.steps.groupForm = await form.innerText();
    await screenshot('steering-form', form);
    await form.getByRole('textbox', { name: labels.name, exact: true }).fill(group.name);
    await button(form, labels.save).click();
    await form.getByText(expected.created).waitFor();
    result.steps.groupCreated = await form.innerText();
    await screenshot('steering-created', form);
    await post(group.say.list, group.botName);
    const list = cards.filter({ hasText: expected.listTitle }).filter({ hasText: group.name });
    await list.last().waitFor();
    result.steps.groupList = await list.last().innerText();
    await screenshot('steering-list', list.last());
  }

  await page.goto(url);
  await page.getByText('Connected.').first().waitFor();
  // The install greeting: the Playground installs the bot on every page load.
  const greeting = cards.filter({ hasText: config.greeting }).first();
  await greeting.waitFor();
  result.steps.greeting = await greeting.innerText();
  await screenshot('connected');

  if (config.manager) await managerFlow(config.manager);
  if (config.admin) await adminFlow(config.admin);
  if (config.steeringGroup) await steeringGroupFlow(config.steeringGroup);
} catch (error) {
  // Leave the page as it was for whoever reads the failure.
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length > 0) {
      await pages[0].screenshot({ path: path.join(outDir, 'failure.png') });
      result.failurePageText = (await pages[0].locator('body').innerText()).slice(-4000);
    }
  } catch {
    // the screenshot is a courtesy; the original error is what matters
  }
  result.error = String(error?.stack ?? error);
  process.exitCode = 1;
} finally {
  await browser.close();
  console.log(`RESULT ${JSON.stringify(result)}`);
}
