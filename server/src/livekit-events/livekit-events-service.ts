import type { WebhookEvent } from 'livekit-server-sdk';
import type { UnitOfWork } from '../db/unit-of-work.js';
import { applyEgressInfo } from '../recordings/egress-status.js';
import type { RecordingTracksStore } from '../recordings/recording-tracks-store.js';
import type { RecordingsStore } from '../recordings/recordings-store.js';
import type { WebhooksStore } from '../webhooks/webhooks-store.js';
import { catalogueType } from './event-catalogue.js';
import type { LiveKitEventsStore } from './livekit-events-store.js';

/** The stores one LiveKit event touches, bound to one transaction. */
export interface LiveKitEventStores {
  events: LiveKitEventsStore;
  outbox: WebhooksStore;
  recordings: RecordingsStore;
  tracks: RecordingTracksStore;
}

/**
 * Takes in livekit-server's webhook events. Storing the event (which is what makes a retry a
 * duplicate), queueing its outbox deliveries and applying egress state to the recordings index
 * happen in one transaction: if any step fails nothing is marked seen, and LiveKit's retry of the
 * same event is applied in full.
 */
export class LiveKitEventsService {
  constructor(
    private readonly unit: UnitOfWork<LiveKitEventStores>,
    private readonly wakeDeliveryWorkers: () => Promise<void>,
  ) {}

  /** Takes in one event; false when its id was already taken in (a redelivery), which changes nothing. */
  async receive(event: WebhookEvent): Promise<boolean> {
    const { isNew, queued } = await this.unit.run(async (s) => {
      if (!(await s.events.insertIfNew(event))) return { isNew: false, queued: 0 };
      let queued = 0;
      const type = catalogueType(event.event);
      if (type) {
        const created = event.createdAt > 0n ? new Date(Number(event.createdAt) * 1000) : new Date();
        const data = event.toJson({ emitDefaultValues: false }) as Record<string, unknown>;
        delete data.event;
        delete data.id;
        delete data.createdAt;
        queued = await s.outbox.enqueue({ id: event.id, type, body: { id: event.id, type, createdAt: created.toISOString(), data } });
      }
      if (event.egressInfo && event.event.startsWith('egress_')) await applyEgressInfo(s, event.egressInfo);
      return { isNew: true, queued };
    });
    // Workers poll too, so a lost wake-up only costs one poll interval.
    if (queued > 0) await this.wakeDeliveryWorkers();
    return isNew;
  }
}
