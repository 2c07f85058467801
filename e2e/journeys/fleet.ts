/**
 * Fleet from the UI: three simulated Bitaxes (127.0.0.2-4) mining through Axewallet; on the Devices page all three
 * are selected, saved as a group, paused and resumed with a result per device; the Dashboard filters by the group.
 */
import { expect, type Journey, type SimReady, startCli, startServe, waitFor } from '../harness';

export const fleet: Journey = {
  name: 'journey-fleet',
  title: 'select three Bitaxes, save them as a group, pause and resume them together, filter the dashboard by the group',
  async run({ openPage, shot, step, cleanup }) {
    step('serve and three simulators');
    const serve = await startServe({ name: 'journey-fleet', demo: true });
    cleanup(() => serve.dispose());
    expect(serve.stratum, 'serve prints its Stratum port');
    const sims = await Promise.all(
      ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map(async (host, i) => {
        const sim = await startCli<SimReady>(`journey-fleet-sim-${i}`, [
          'sim',
          '--host',
          host,
          '--pool',
          `127.0.0.1:${serve.stratum!.port}`,
          '--suggested-difficulty',
          '0',
          '--hashes-per-second',
          '5000',
          '--no-serial',
        ]);
        cleanup(() => sim.stop());
        return sim;
      }),
    );
    for (const sim of sims) {
      const added = await serve.api_call('POST', '/devices', { address: sim.ready.http });
      expect(added.status === 200, `device ${sim.ready.http} added, got ${added.status}`);
    }

    step('select all and save a group');
    const { page, problems } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Act on several devices' });
    await panel.getByRole('button', { name: 'Select all' }).click();
    await panel.getByLabel('Save the selection as a group').fill('Shelf');
    await panel.getByRole('button', { name: 'Save group' }).click();
    await panel.getByRole('button', { name: 'Select group Shelf' }).waitFor();

    step('pause all three, with a confirmation and a result per device');
    await panel.getByLabel('Action').selectOption('pause');
    await panel.getByRole('button', { name: 'Apply to 3 devices' }).click();
    await panel.getByRole('alertdialog', { name: 'Confirm the action' }).getByRole('button', { name: 'Yes, go ahead' }).click();
    await panel.getByText('Pause mining: 3 of 3 devices done.').waitFor({ timeout: 30_000 });
    expect((await panel.getByRole('table', { name: 'Results per device' }).getByRole('cell', { name: 'done', exact: true }).count()) === 3, 'three devices answered done');
    await waitFor(async () => (await serve.api_call<{ devices: Array<{ miningPaused: boolean }> }>('GET', '/devices')).body.devices.every((d) => d.miningPaused), 'all three report paused');
    await shot(page, 'paused');

    step('resume the group');
    await panel.getByRole('button', { name: 'Select none' }).click();
    await panel.getByRole('button', { name: 'Select group Shelf' }).click();
    await panel.getByLabel('Action').selectOption('resume');
    await panel.getByRole('button', { name: 'Apply to 3 devices' }).click();
    await panel.getByRole('button', { name: 'Yes, go ahead' }).click();
    await panel.getByText('Resume mining: 3 of 3 devices done.').waitFor({ timeout: 30_000 });

    step('the dashboard filters by the group');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Shelf' });
    await waitFor(async () => (await page.getByRole('table', { name: 'Devices in the group' }).getByRole('row').count()) === 4, 'three devices in the group table');
    await shot(page, 'dashboard-group');

    const errors = problems.filter((p) => /Content Security Policy|page error/i.test(p));
    expect(errors.length === 0, `no CSP violations or page errors: ${errors.join(' | ')}`);
  },
};
